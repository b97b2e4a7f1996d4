package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.arm.ArmCall;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import io.harbormaster.scaleset.ScaleSetInstance.PowerState;
import io.harbormaster.scaleset.ScaleSetModel.OrchestrationMode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The adapter on a Flexible scale set of the emulator's ARM server: single-VM APIs, batch delete, resource locks. */
class AzureScaleSetFlexibleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmulatorFixture emulator;
    private AzureScaleSet scaleSet;

    @BeforeEach
    void start() throws IOException {
        emulator = new EmulatorFixture().withAgents(new ScaleSetSpec(EmulatorFixture.SCALE_SET, EmulatorFixture.LOCATION,
                EmulatorFixture.SKU, 3, List.of("1", "2"), "Regular", null, EmulatorFixture.PREFIX, "", null, null,
                ScaleSetSpec.FLEXIBLE));
        scaleSet = emulator.scaleSet();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private List<InstanceSnapshot> vms() {
        return emulator.cloud.instances(EmulatorFixture.SCALE_SET);
    }

    private List<ArmCall> calls() {
        return emulator.arm.requests().stream().filter(call -> !call.isOperationPoll()).toList();
    }

    @Test
    void aCheckReadsTheScaleSetItsFilteredVmsWithInstanceViewsAndTheLocksInThreeCalls() {
        ScaleSetModel model = scaleSet.describe();
        List<ScaleSetInstance> instances = scaleSet.instances();

        assertEquals(OrchestrationMode.FLEXIBLE, model.orchestrationMode());
        assertEquals(3, instances.size());
        for (ScaleSetInstance instance : instances) {
            InstanceSnapshot vm = vms().stream().filter(v -> v.name().equals(instance.instanceId())).findFirst().orElseThrow();
            // A Flexible VM's id is its name: {scaleSet}_{8 characters}.
            assertTrue(instance.instanceId().matches(EmulatorFixture.SCALE_SET + "_[0-9a-f]{8}"), instance.instanceId());
            assertEquals(vm.computerName(), instance.computerName());
            assertEquals(vm.vmId(), instance.vmId());
            assertEquals(PowerState.RUNNING, instance.powerState());
            assertEquals("Succeeded", instance.provisioningState());
            assertEquals(vm.zone(), instance.zone());
            assertEquals(vm.image().version(), instance.imageVersion());
            assertFalse(instance.protectedFromScaleIn());
        }
        List<ArmCall> calls = calls();
        assertEquals(3, calls.size(), calls.toString());
        ArmCall list = calls.get(1);
        assertTrue(list.is("GET", "/resourceGroups/" + EmulatorFixture.RESOURCE_GROUP
                + "/providers/Microsoft.Compute/virtualMachines"), list.toString());
        assertEquals("'virtualMachineScaleSet/id' eq '" + emulator.scaleSetPath() + "'", list.query().get("$filter"));
        assertEquals("instanceView", list.query().get("$expand"));
        assertTrue(calls.get(2).is("GET", "/providers/Microsoft.Authorization/locks"), calls.get(2).toString());
        assertEquals("2017-04-01", calls.get(2).query().get("api-version"));
    }

    @Test
    void pagesAreFollowedAndCountedAsTheyCome() {
        emulator.faults.pageSize(2);
        scaleSet.describe();

        assertEquals(3, scaleSet.instances().size());
        assertEquals(2, calls().stream().filter(call -> call.path().endsWith("/virtualMachines")).count());
    }

    @Test
    void scaleInDeletesExactlyTheNamedVmsByTheScaleSetsBatchDelete() throws Exception {
        String victim = vms().get(1).name();

        scaleSet.deleteInstances(List.of(victim));

        List<ArmCall> deletes = calls().stream().filter(call -> call.is("POST", EmulatorFixture.SCALE_SET + "/delete")).toList();
        assertEquals(1, deletes.size());
        assertEquals(List.of(victim), List.of(JSON.readTree(deletes.get(0).body()).path("instanceIds").get(0).asText()));
        assertEquals(2, vms().size());
        assertTrue(vms().stream().noneMatch(vm -> vm.name().equals(victim)));
        // A repeated delete after a crash has the outcome of one.
        scaleSet.deleteInstances(List.of(victim));
        assertEquals(2, vms().size());
    }

    @Test
    void protectionIsAResourceLockThatRefusesTheDeleteUntilItIsLifted() {
        String vm = vms().get(0).name();

        scaleSet.protectFromScaleIn(vm, true);

        assertTrue(emulator.cloud.lock(vm, FlexibleVms.PROTECTION_LOCK).isPresent());
        assertTrue(scaleSet.instances().stream().filter(i -> i.instanceId().equals(vm)).findFirst().orElseThrow()
                .protectedFromScaleIn());
        ScaleSetException refused = assertThrows(ScaleSetException.class, () -> scaleSet.deleteInstances(List.of(vm)));
        assertEquals("ScopeLocked", refused.errorCode().orElseThrow());
        assertFalse(refused.retryable(), "a lock is an operator's decision, which no retry changes");
        assertEquals(3, vms().size());

        scaleSet.protectFromScaleIn(vm, false);
        scaleSet.protectFromScaleIn(vm, false);

        assertTrue(emulator.cloud.lock(vm, FlexibleVms.PROTECTION_LOCK).isEmpty());
        scaleSet.deleteInstances(List.of(vm));
        assertEquals(2, vms().size());
    }

    @Test
    void anOperatorsLockProtectsTheVmToo() {
        String vm = vms().get(2).name();
        emulator.cloud.putLock(vm, "do-not-delete", "CanNotDelete", null);

        assertTrue(scaleSet.instances().stream().filter(i -> i.instanceId().equals(vm)).findFirst().orElseThrow()
                .protectedFromScaleIn());
        scaleSet.protectFromScaleIn(vm, false);
        assertTrue(emulator.cloud.lock(vm, "do-not-delete").isPresent(), "only Harbormaster's own lock is lifted");
    }

    @Test
    void deallocateAndStartGoThroughTheSingleVmApi() {
        String vm = vms().get(0).name();

        scaleSet.beginDeallocate(List.of(vm));

        assertTrue(calls().stream().anyMatch(call -> call.is("POST", "/virtualMachines/" + vm + "/deallocate")), calls().toString());
        awaitPower(vm, "deallocated");
        scaleSet.beginStart(List.of(vm));
        assertTrue(calls().stream().anyMatch(call -> call.is("POST", "/virtualMachines/" + vm + "/start")));
        awaitPower(vm, "running");
    }

    @Test
    void capacityIsTheScaleSetsSkuCapacityAsForUniform() {
        ScaleSetModel model = scaleSet.describe();

        scaleSet.setCapacity(4, model.etag());

        assertEquals(4, vms().size());
        assertEquals(4, scaleSet.instances().size());
    }

    @Test
    void manualUpgradeAndReimageAreRefusedWithWhatFlexibleDoesInstead() {
        String vm = vms().get(0).name();

        ScaleSetException upgrade = assertThrows(ScaleSetException.class, () -> scaleSet.beginManualUpgrade(vm));
        assertThrows(ScaleSetException.class, () -> scaleSet.beginReimage(vm));

        assertFalse(upgrade.retryable());
        assertTrue(upgrade.getMessage().contains("replaced"), upgrade.getMessage());
        assertTrue(calls().stream().allMatch(call -> call.method().equals("GET")), calls().toString());
    }

    @Test
    void aUniformInstanceIdOrAPathIsNoFlexibleVmName() {
        assertThrows(IllegalArgumentException.class, () -> scaleSet.deleteInstances(List.of("../x")));
        assertThrows(IllegalArgumentException.class, () -> scaleSet.protectFromScaleIn("a b", true));
        assertEquals(List.of(), emulator.arm.requests());
    }

    private void awaitPower(String vm, String state) {
        await(() -> vms().stream().anyMatch(v -> v.name().equals(vm) && v.powerState().equals(state)),
                vm + " " + state);
    }

    private static void await(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void aVmIsBehindOnceTheModelsSizeOrImageDiffersButNotForCustomDataWhichAVmReadDoesNotShow() {
        scaleSet.describe();
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied), "on the model at first");

        emulator.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(null, null, "I2Nsb3VkLWNvbmZpZw==", null), "*");
        scaleSet.describe();
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied),
                "custom data cannot be compared");

        emulator.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(null, "Standard_D4s_v5", null, null), "*");
        scaleSet.describe();
        assertTrue(scaleSet.instances().stream().noneMatch(ScaleSetInstance::latestModelApplied), "a new size");

        emulator.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(null, EmulatorFixture.SKU,
                null, new ImageReference("Canonical", "ubuntu-24_04-lts", "server-arm64", "latest")), "*");
        scaleSet.describe();
        assertTrue(scaleSet.instances().stream().noneMatch(ScaleSetInstance::latestModelApplied), "a new image");
    }
}
