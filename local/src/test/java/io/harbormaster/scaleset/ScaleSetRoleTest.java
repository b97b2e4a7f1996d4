package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.arm.ArmCall;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The custom roles infra/cluster.json gives the app hold exactly the Azure RBAC actions that the production
 * {@link AzureScaleSet} needs: every method of the {@link ScaleSet} port is run against the emulated ARM, each request
 * it sent is mapped to its action, and the set is compared with the template's. A new ARM call without its action in
 * the role (it would fail in Azure with AuthorizationFailed), or an action the code no longer needs, fails here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScaleSetRoleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCALE_SET = "(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/virtualMachineScaleSets/[^/]+";

    /**
     * REST operation to RBAC action, from Learn "Azure permissions for Compute" (the Microsoft.Compute operations
     * list) and the Compute REST reference for each path: Virtual Machine Scale Sets Get/Update/Delete Instances,
     * Virtual Machine Scale Sets Deallocate/Start (with instance ids; the warm pool), Virtual Machine Scale Set VMs
     * List/Get/Get Instance View/Update, and the operation status URL that
     * Azure-AsyncOperation points to (/providers/Microsoft.Compute/locations/{location}/operations/{id}).
     */
    private record ActionRule(String method, Pattern path, String action) {
        boolean matches(ArmCall call) {
            return call.method().equals(method) && path.matcher(call.path()).matches();
        }
    }

    private static final List<ActionRule> RULES = List.of(
            rule("GET", SCALE_SET, "Microsoft.Compute/virtualMachineScaleSets/read"),
            rule("PATCH", SCALE_SET, "Microsoft.Compute/virtualMachineScaleSets/write"),
            rule("PUT", SCALE_SET, "Microsoft.Compute/virtualMachineScaleSets/write"),
            rule("POST", SCALE_SET + "/delete", "Microsoft.Compute/virtualMachineScaleSets/delete/action"),
            // The rolling upgrade's: Virtual Machine Scale Sets Update Instances (POST .../manualupgrade) and Virtual
            // Machine Scale Set VMs Reimage (POST .../virtualMachines/{id}/reimage), actions from the same list.
            rule("POST", SCALE_SET + "/manualupgrade", "Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action"),
            rule("POST", SCALE_SET + "/virtualMachines/[^/]+/reimage",
                    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/reimage/action"),
            rule("POST", SCALE_SET + "/deallocate", "Microsoft.Compute/virtualMachineScaleSets/deallocate/action"),
            rule("POST", SCALE_SET + "/start", "Microsoft.Compute/virtualMachineScaleSets/start/action"),
            rule("GET", SCALE_SET + "/virtualMachines(/[^/]+)?", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read"),
            rule("GET", SCALE_SET + "/virtualMachines/[^/]+/instanceView",
                    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/instanceView/read"),
            rule("PUT", SCALE_SET + "/virtualMachines/[^/]+", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write"),
            rule("PATCH", SCALE_SET + "/virtualMachines/[^/]+", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write"),
            rule("GET", "(?i)/subscriptions/[^/]+/providers/Microsoft\\.Compute/locations/[^/]+/operations/[^/]+",
                    "Microsoft.Compute/locations/operations/read"));

    private static ActionRule rule(String method, String path, String action) {
        return new ActionRule(method, Pattern.compile(path), action);
    }

    /** Runs every method of the port once, as the control plane would, and returns the names of those it ran. */
    private static Set<String> exercise(ScaleSet scaleSet) {
        Set<String> ran = new TreeSet<>();
        ScaleSetModel model = scaleSet.describe();
        ran.add("describe");
        List<ScaleSetInstance> instances = scaleSet.instances();
        ran.add("instances");
        scaleSet.setCapacity(model.capacity() + 1, model.etag());
        ran.add("setCapacity");
        scaleSet.protectFromScaleIn(instances.get(0).instanceId(), true);
        ran.add("protectFromScaleIn");
        scaleSet.deleteInstances(List.of(instances.get(1).instanceId()));
        ran.add("deleteInstances");
        ScaleSetModel now = scaleSet.describe();
        scaleSet.beginSetCapacity(now.capacity() + 1, now.etag());
        ran.add("beginSetCapacity");
        // One instance per operation: ARM answers 409 to a second operation on a VM whose first is still under way
        // (the emulator too), and these are only started here, never awaited (CI: "being changed by another operation").
        scaleSet.beginManualUpgrade(instances.get(2).instanceId());
        ran.add("beginManualUpgrade");
        scaleSet.beginReimage(instances.get(3).instanceId());
        ran.add("beginReimage");
        scaleSet.beginDeallocate(List.of(instances.get(4).instanceId()));
        ran.add("beginDeallocate");
        scaleSet.beginStart(List.of(instances.get(5).instanceId()));
        ran.add("beginStart");
        scaleSet.beginDeleteInstances(List.of(instances.get(0).instanceId()));
        ran.add("beginDeleteInstances");
        return ran;
    }

    @Test
    void theTemplatesRolesHoldExactlyTheActionsTheScaleSetAdapterCalls() throws IOException {
        Set<String> called = new TreeSet<>();
        List<String> unmapped = new ArrayList<>();
        try (EmulatorFixture emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(6))) {
            Set<String> ran = exercise(emulator.scaleSet());
            Set<String> declared = Arrays.stream(ScaleSet.class.getMethods())
                    .filter(m -> !m.isDefault() && !Modifier.isStatic(m.getModifiers()))
                    .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(declared, ran, "every method of the ScaleSet port is exercised here, so its ARM calls are counted");
            for (ArmCall call : emulator.arm.requests()) {
                RULES.stream().filter(r -> r.matches(call)).findFirst()
                        .ifPresentOrElse(r -> called.add(r.action()), () -> unmapped.add(call.method() + " " + call.path()));
            }
        }
        assertEquals(List.of(), unmapped, "ARM requests without a known action: add the rule (with its source) and the action to the role");

        JsonNode variables = JSON.readTree(Files.readString(Path.of("infra/cluster.json"))).path("variables");
        Set<String> granted = new TreeSet<>();
        variables.path("scaleSetOperatorActions").forEach(a -> granted.add(a.asText()));
        variables.path("operationStatusActions").forEach(a -> granted.add(a.asText()));
        assertFalse(granted.isEmpty(), "infra/cluster.json declares the app's actions");
        // Reading the instance view of one VM is covered by virtualMachines/read when the list expands it; the
        // adapter lists with $expand=instanceView, so no separate instanceView/read is expected.
        assertEquals(called, granted, "infra/cluster.json's roles against the actions the adapter's requests need");
        assertEquals(Set.of("Microsoft.Compute/locations/operations/read"),
                granted.stream().filter(a -> a.toLowerCase(Locale.ROOT).contains("/locations/")).collect(Collectors.toSet()),
                "only the operation status is outside the scale set");
    }

    private static final String VM = "(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/virtualMachines";
    /**
     * A Flexible scale set's calls, from the same permissions list: Virtual Machines List/Deallocate/Start, and the
     * Microsoft.Authorization locks at resource and resource-group level (Learn "Azure permissions for Management and
     * governance", Microsoft.Authorization/locks/read, /write, /delete).
     */
    private static final List<ActionRule> FLEXIBLE_RULES = List.of(
            rule("GET", VM, "Microsoft.Compute/virtualMachines/read"),
            rule("POST", VM + "/[^/]+/deallocate", "Microsoft.Compute/virtualMachines/deallocate/action"),
            rule("POST", VM + "/[^/]+/start", "Microsoft.Compute/virtualMachines/start/action"),
            rule("PUT", VM + "/[^/]+/providers/Microsoft\\.Authorization/locks/[^/]+", "Microsoft.Authorization/locks/write"),
            rule("DELETE", VM + "/[^/]+/providers/Microsoft\\.Authorization/locks/[^/]+", "Microsoft.Authorization/locks/delete"),
            rule("GET", "(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Authorization/locks",
                    "Microsoft.Authorization/locks/read"));

    private static final String FLEXIBLE_GROUP = "hm-flex-rg";
    private static final Pattern GROUP_OF = Pattern.compile("(?i)/subscriptions/[^/]+/resourceGroups/([^/]+)/.*");

    /**
     * A Flexible pool in a group of its own, as infra/cluster.json puts it: every call the adapter makes is either in
     * that group, where the Flexible VM operator (with the scale-set actions) is assigned, or the operation status at
     * the subscription; none reaches the cluster's group, where the managers are and no role can touch a VM.
     */
    @Test
    void aFlexibleScaleSetsCallsStayInItsGroupAndAreInTheRoleAssignedThere() throws IOException {
        Set<String> called = new TreeSet<>();
        List<String> unmapped = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        try (EmulatorFixture emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(6)
                .withOrchestrationMode(io.harbormaster.emulator.cloud.ScaleSetSpec.FLEXIBLE).withResourceGroup(FLEXIBLE_GROUP))) {
            ScaleSet scaleSet = emulator.scaleSetIn(FLEXIBLE_GROUP, EmulatorFixture.SCALE_SET);
            ScaleSetModel model = scaleSet.describe();
            List<ScaleSetInstance> instances = scaleSet.instances();
            scaleSet.setCapacity(model.capacity() + 1, model.etag());
            scaleSet.protectFromScaleIn(instances.get(0).instanceId(), true);
            scaleSet.protectFromScaleIn(instances.get(0).instanceId(), false);
            scaleSet.deleteInstances(List.of(instances.get(1).instanceId()));
            // A VM each: a second operation on a VM whose first is under way answers 409 (see exercise).
            scaleSet.beginDeallocate(List.of(instances.get(2).instanceId()));
            scaleSet.beginStart(List.of(instances.get(3).instanceId()));
            scaleSet.beginDeleteInstances(List.of(instances.get(0).instanceId()));
            List<ActionRule> rules = new ArrayList<>(RULES);
            rules.addAll(FLEXIBLE_RULES);
            for (ArmCall call : emulator.arm.requests()) {
                rules.stream().filter(r -> r.matches(call)).findFirst()
                        .ifPresentOrElse(r -> called.add(r.action()), () -> unmapped.add(call.method() + " " + call.path()));
                java.util.regex.Matcher group = GROUP_OF.matcher(call.path());
                if (group.matches() && !group.group(1).equalsIgnoreCase(FLEXIBLE_GROUP)) {
                    outside.add(call.method() + " " + call.path());
                }
            }
        }
        assertEquals(List.of(), unmapped, "ARM requests without a known action");
        assertEquals(List.of(), outside, "calls outside the Flexible pool's group");
        JsonNode variables = JSON.readTree(Files.readString(Path.of("infra/cluster.json"))).path("variables");
        Set<String> granted = new TreeSet<>();
        // What the Flexible access deployment assigns on the group (concat of these two), and the subscription's role.
        for (String role : List.of("scaleSetOperatorActions", "flexibleVmOperatorActions", "operationStatusActions")) {
            variables.path(role).forEach(a -> granted.add(a.asText()));
        }
        Set<String> missing = new TreeSet<>(called);
        missing.removeAll(granted);
        assertEquals(Set.of(), missing, "actions the Flexible adapter needs that the Flexible group's role does not grant");
        assertTrue(called.containsAll(Set.of("Microsoft.Authorization/locks/read", "Microsoft.Compute/virtualMachines/deallocate/action",
                "Microsoft.Compute/virtualMachines/start/action")), called.toString());
    }
}
