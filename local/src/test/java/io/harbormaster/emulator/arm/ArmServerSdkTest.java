package io.harbormaster.emulator.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.management.polling.PollResult;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetReimageParameters;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateOSProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateVMProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.StandaloneVm;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SDK's own fluent client for the operations AzureScaleSet does not call, against the emulated ARM. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ArmServerSdkTest {
    private static final String RG = EmulatorFixture.RESOURCE_GROUP;
    private static final String SS = EmulatorFixture.SCALE_SET;

    private EmulatorFixture emulator;
    private ComputeManagementClient compute;

    @BeforeEach
    void start() throws IOException {
        emulator = new EmulatorFixture(Duration.ofMillis(100)).withAgents(EmulatorFixture.agents(3).withSpot("Deallocate"));
        compute = emulator.computeManager().serviceClient();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private static VirtualMachineScaleSetVMInstanceIDs ids(String... ids) {
        return new VirtualMachineScaleSetVMInstanceIDs().withInstanceIds(List.of(ids));
    }

    /**
     * Runs the operation to its end polling every 20 ms: the emulator answers Retry-After 0, which azure-core reads
     * as "use the poller's own interval", 30 s unless set.
     */
    private static <T> T fast(SyncPoller<PollResult<T>, T> poller) {
        poller.setPollInterval(Duration.ofMillis(20));
        return poller.getFinalResult();
    }

    private String power(String id) {
        VirtualMachineScaleSetVMInner vm = compute.getVirtualMachineScaleSetVMs()
                .getWithResponse(RG, SS, id, com.azure.resourcemanager.compute.models.InstanceViewTypes.INSTANCE_VIEW,
                        Context.NONE).getValue();
        return vm.instanceView().statuses().stream().map(s -> s.code()).filter(c -> c.startsWith("PowerState/"))
                .findFirst().orElse("none");
    }

    @Test
    void deallocateStartPowerOffAndRestartThroughTheSdk() {
        var scaleSets = compute.getVirtualMachineScaleSets();

        fast(scaleSets.beginDeallocate(RG, SS, null, ids("0"), Context.NONE));
        assertEquals("PowerState/deallocated", power("0"));
        assertTrue(emulator.machines.exists("harbormaster-agents_0"));

        fast(scaleSets.beginStart(RG, SS, ids("0"), Context.NONE));
        assertEquals("PowerState/running", power("0"));

        fast(scaleSets.beginPowerOff(RG, SS, false, ids("1"), Context.NONE));
        assertEquals("PowerState/stopped", power("1"));

        emulator.machines.clearCalls();
        fast(scaleSets.beginRestart(RG, SS, ids("2"), Context.NONE));
        assertEquals(List.of("shutdown harbormaster-agents_2", "boot harbormaster-agents_2"), emulator.machines.calls());
    }

    @Test
    void reimageAndManualUpgradeThroughTheSdk() {
        var scaleSets = compute.getVirtualMachineScaleSets();
        String customData = Base64.getEncoder().encodeToString("#cloud-config\n".getBytes(StandardCharsets.UTF_8));
        fast(scaleSets.beginUpdate(RG, SS, new VirtualMachineScaleSetUpdate().withVirtualMachineProfile(
                new VirtualMachineScaleSetUpdateVMProfile().withOsProfile(
                        new VirtualMachineScaleSetUpdateOSProfile().withCustomData(customData))), null, null, Context.NONE));
        assertFalse(compute.getVirtualMachineScaleSetVMs().get(RG, SS, "0").latestModelApplied());

        fast(scaleSets.beginUpdateInstances(RG, SS,
                new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(List.of("0")), Context.NONE));
        assertTrue(compute.getVirtualMachineScaleSetVMs().get(RG, SS, "0").latestModelApplied());
        assertEquals("#cloud-config\n", emulator.machines.disk("harbormaster-agents_0").orElseThrow().customData());

        emulator.machines.clearCalls();
        fast(scaleSets.beginReimage(RG, SS, new VirtualMachineScaleSetReimageParameters().withInstanceIds(List.of("1")), Context.NONE));
        assertEquals(List.of("destroy harbormaster-agents_1", "boot harbormaster-agents_1"), emulator.machines.calls());
    }

    @Test
    void aFailedOperationEndsFailedWithItsCode() {
        emulator.faults.failNextOperation("OverconstrainedAllocationRequest", "Allocation failed.");

        SyncPoller<PollResult<Void>, Void> poller =
                compute.getVirtualMachineScaleSets().beginStart(RG, SS, ids("0"), Context.NONE);
        poller.setPollInterval(Duration.ofMillis(20));
        PollResponse<PollResult<Void>> last = poller.waitForCompletion();

        assertEquals(LongRunningOperationStatus.FAILED, last.getStatus());
        assertTrue(last.getValue().getError().getResponseBody().contains("\"OverconstrainedAllocationRequest\""),
                last.getValue().getError().getResponseBody());
    }

    @Test
    void simulateEvictionAndTheInstanceViewThroughTheSdk() throws InterruptedException {
        var vms = compute.getVirtualMachineScaleSetVMs();
        assertEquals("PowerState/running", vms.getInstanceView(RG, SS, "2").statuses().get(1).code());

        vms.simulateEviction(RG, SS, "2");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!power("2").equals("PowerState/deallocated") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("PowerState/deallocated", power("2"));
    }

    @Test
    void standaloneManagersThroughTheSdk() {
        String vmId = UUID.randomUUID().toString();
        emulator.cloud.addStandaloneVm(new StandaloneVm("manager-1", vmId, "manager1", InetAddress.getLoopbackAddress(),
                "westeurope", "Standard_B2s", "1"));

        assertEquals(vmId, compute.getVirtualMachines().getByResourceGroup(RG, "manager-1").vmId());
        assertEquals("PowerState/running", compute.getVirtualMachines().instanceView(RG, "manager-1").statuses().get(1).code());
    }
}
