package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.arm.ArmCall;
import io.harbormaster.emulator.cloud.StandaloneVm;
import io.harbormaster.scaleset.AzureScaleSet;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The "Harbormaster manager reader" role infra/cluster.json gives the app on each manager VM holds exactly the Azure
 * RBAC actions that the production {@link ArmMachineDirectory} needs to find the managers that attest: the directory is
 * run against the emulated ARM, each request it sent to a VM is mapped to its action, and the set is compared with the
 * template's. Its scale-set requests are the scale set role's, checked by ScaleSetRoleTest; here they only must be
 * granted there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ManagerRoleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GROUP = "(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/";
    private static final Pattern MANAGER = Pattern.compile(GROUP + "virtualMachines/([^/]+)(/.*)?");
    private static final Pattern SCALE_SET_INSTANCES = Pattern.compile(GROUP + "virtualMachineScaleSets/[^/]+(/virtualMachines)?");

    /**
     * REST operation on a VM to RBAC action, from Learn "Azure permissions for Compute" (Microsoft.Compute:
     * virtualMachines/read "Get the properties of a virtual machine", virtualMachines/instanceView/read "Gets the
     * detailed runtime status of the virtual machine and its resources") and the Compute REST reference "Virtual
     * Machines - Get" (GET .../virtualMachines/{vmName}, $expand=instanceView optional) and "Virtual Machines - Instance
     * View" (GET .../virtualMachines/{vmName}/instanceView). Anything else on a manager (write, run-command) is unmapped
     * and fails the test: it would need a wider role.
     */
    private static final Map<String, String> MANAGER_ACTIONS = Map.of(
            "GET ", "Microsoft.Compute/virtualMachines/read",
            "GET /instanceView", "Microsoft.Compute/virtualMachines/instanceView/read");

    @Test
    void theManagerReaderRoleHoldsExactlyTheActionsTheDirectoryCallsOnManagers() throws IOException {
        List<String> names = List.of("master0", "master1", "master2");
        Map<String, String> vmIds = new TreeMap<>();
        Set<String> called = new TreeSet<>();
        Set<String> vmsCalled = new TreeSet<>();
        List<String> unmapped = new ArrayList<>();
        int scaleSetReads = 0;
        try (EmulatorFixture emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(2))) {
            // master2 is named but absent, as in a setting ahead of the cluster: its 404 is skipped, its GET still counted.
            for (String name : names.subList(0, 2)) {
                String vmId = UUID.randomUUID().toString();
                vmIds.put(name, vmId);
                emulator.cloud.addStandaloneVm(new StandaloneVm(name, vmId, name, InetAddress.getLoopbackAddress(),
                        EmulatorFixture.LOCATION, "Standard_B2s", "1"));
            }
            ComputeManagementClient compute = AzureScaleSet.computeClient(EmulatorFixture.TARGET, emulator.arm.endpoint(),
                    emulator.credential(), emulator.sdkHttpClient(EmulatorFixture.FAST_POLICY), EmulatorFixture.FAST_POLICY);
            emulator.arm.clearRequests();

            List<Machine> machines = new ArmMachineDirectory(emulator.scaleSet(), compute.getVirtualMachines(),
                    EmulatorFixture.RESOURCE_GROUP, names).machines();

            Map<String, String> managers = machines.stream().filter(m -> m.kind() == Machine.Kind.MANAGER)
                    .collect(Collectors.toMap(Machine::name, Machine::vmId, (a, b) -> a, TreeMap::new));
            assertEquals(vmIds, managers, "the directory found the managers through ARM, so their requests are counted");
            assertEquals(2, machines.stream().filter(m -> m.kind() == Machine.Kind.AGENT).count());
            for (ArmCall call : emulator.arm.requests()) {
                Matcher manager = MANAGER.matcher(call.path());
                if (manager.matches()) {
                    vmsCalled.add(manager.group(1));
                    String action = MANAGER_ACTIONS.get(call.method() + " " + (manager.group(2) == null ? "" : manager.group(2)));
                    if (action == null) {
                        unmapped.add(call.method() + " " + call.path());
                    } else {
                        called.add(action);
                    }
                } else if (call.method().equals("GET") && SCALE_SET_INSTANCES.matcher(call.path()).matches()) {
                    scaleSetReads++;
                } else {
                    unmapped.add(call.method() + " " + call.path());
                }
            }
        }
        assertEquals(List.of(), unmapped, "ARM requests without a known action: add the rule (with its source) and the action to the role");
        assertEquals(new TreeSet<>(names), vmsCalled, "each named manager is read, and no other VM");
        assertTrue(scaleSetReads > 0, "the agents come from the scale set's instance list");

        JsonNode variables = JSON.readTree(Files.readString(Path.of("infra/cluster.json"))).path("variables");
        Set<String> granted = new TreeSet<>();
        variables.path("managerReaderActions").forEach(a -> granted.add(a.asText()));
        assertFalse(granted.isEmpty(), "infra/cluster.json declares the manager reader's actions");
        assertEquals(called, granted, "infra/cluster.json's manager reader role against the actions the directory's requests need");
        Set<String> scaleSetActions = new TreeSet<>();
        variables.path("scaleSetOperatorActions").forEach(a -> scaleSetActions.add(a.asText()));
        assertTrue(scaleSetActions.contains("Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read"),
                "the instance list the directory reads is granted by the scale set role");
    }
}
