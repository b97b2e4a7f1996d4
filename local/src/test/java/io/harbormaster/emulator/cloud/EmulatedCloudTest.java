package io.harbormaster.emulator.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.emulator.InMemoryMachines;
import io.harbormaster.emulator.imds.EventsDocument;
import io.harbormaster.emulator.imds.ScheduledEvent;
import io.harbormaster.emulator.imds.VmMetadata;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The emulated cloud's model and its machine calls, without HTTP. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class EmulatedCloudTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String SS = "agents";

    private final InMemoryMachines machines = new InMemoryMachines();
    private final MutableFaults faults = new MutableFaults();
    private final EmulatedCloud cloud = new EmulatedCloud(
            new CloudSettings("sub", "rg", Duration.ofMillis(300)), machines, faults);

    @AfterEach
    void close() {
        cloud.close();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private ScaleSetSpec spec(long capacity) {
        return ScaleSetSpec.regular(SS, "westeurope", "Standard_D2s_v3", capacity, "agent")
                .withCustomData(base64("#cloud-config\nruncmd: [one]\n"));
    }

    private VmMetadata imds(String vmName) {
        InetAddress address = machines.address(vmName).orElseThrow();
        return cloud.vmAt(address).orElseThrow();
    }

    private static void eventually(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void instancesAreNamedNumberedAndZonedAsAzureDoesAndBootTheDecodedCustomData() {
        cloud.addScaleSet(spec(3).withZones(List.of("1", "2"))).await(WAIT);

        List<InstanceSnapshot> instances = cloud.instances(SS);
        assertEquals(List.of("0", "1", "2"), instances.stream().map(InstanceSnapshot::instanceId).toList());
        assertEquals(List.of("agents_0", "agents_1", "agents_2"), instances.stream().map(InstanceSnapshot::name).toList());
        assertEquals("agent000000", instances.get(0).computerName());
        assertEquals(List.of("1", "2", "1"), instances.stream().map(InstanceSnapshot::zone).toList());
        instances.forEach(instance -> {
            UUID.fromString(instance.vmId());
            assertEquals("running", instance.powerState());
            assertEquals("Succeeded", instance.provisioningState());
            assertTrue(instance.latestModelApplied());
        });
        assertEquals("#cloud-config\nruncmd: [one]\n", machines.disk("agents_1").orElseThrow().customData());
        assertEquals("agent000001", machines.disk("agents_1").orElseThrow().computerName());
    }

    @Test
    void computerNamesAreBase36AndIdsAreNeverReused() {
        cloud.addScaleSet(spec(37)).await(WAIT);
        assertEquals("agent00000z", cloud.instance(SS, "35").computerName());
        assertEquals("agent000010", cloud.instance(SS, "36").computerName());

        cloud.deleteInstances(SS, List.of("36")).await(WAIT);
        cloud.update(SS, new ScaleSetChange(37L, null, null, null), null).await(WAIT);

        assertEquals("37", cloud.instances(SS).get(36).instanceId());
    }

    @Test
    void everyWriteChangesTheEtagAndAStaleIfMatchIs412() {
        cloud.addScaleSet(spec(1)).await(WAIT);
        String etag = cloud.scaleSet(SS).orElseThrow().etag();

        cloud.update(SS, new ScaleSetChange(2L, null, null, null), etag).await(WAIT);

        assertNotEquals(etag, cloud.scaleSet(SS).orElseThrow().etag());
        CloudException stale = assertThrows(CloudException.class,
                () -> cloud.update(SS, new ScaleSetChange(3L, null, null, null), etag));
        assertEquals(412, stale.status());
        assertEquals("PreconditionFailed", stale.code());
        assertEquals(2, cloud.instances(SS).size());
    }

    @Test
    void machineWorkRunsOffTheCallersThreadAndTheOperationTracksIt() {
        cloud.addScaleSet(spec(1)).await(WAIT);
        machines.callTime(Duration.ofMillis(300));

        long started = System.nanoTime();
        CloudOperation operation = cloud.update(SS, new ScaleSetChange(3L, null, null, null), null);

        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 200, "the caller waited for machines");
        assertEquals("InProgress", operation.status().status());
        assertEquals("Updating", cloud.scaleSet(SS).orElseThrow().provisioningState());
        assertEquals("Creating", cloud.instance(SS, "2").provisioningState());
        OperationStatus done = operation.await(WAIT);
        assertEquals("Succeeded", done.status());
        assertNotNull(done.endTime());
        assertEquals("running", cloud.instance(SS, "2").powerState());
    }

    private static void assertNotNull(Object value) {
        assertFalse(value == null);
    }

    @Test
    void terminateWaitsForApprovalWhichOneVmGivesForAllItsResources() {
        cloud.addScaleSet(spec(3).withTerminateNotification(new TerminateNotification(true, Duration.ofSeconds(30)))).await(WAIT);
        VmMetadata zero = imds("agents_0");
        VmMetadata one = imds("agents_1");
        long before = cloud.scheduledEvents(zero).documentIncarnation();
        Instant asked = Instant.now();

        CloudOperation delete = cloud.deleteInstances(SS, List.of("0", "1"));

        EventsDocument document = cloud.scheduledEvents(zero);
        assertTrue(document.documentIncarnation() > before);
        ScheduledEvent terminate = document.events().get(0);
        assertEquals("Terminate", terminate.eventType());
        assertEquals(List.of("agents_0", "agents_1"), terminate.resources());
        assertEquals("Scheduled", terminate.eventStatus());
        assertTrue(!terminate.notBefore().isBefore(asked.plusSeconds(29)), terminate.notBefore().toString());
        assertEquals(List.of(terminate), cloud.scheduledEvents(one).events());
        assertEquals(List.of(), cloud.scheduledEvents(imds("agents_2")).events());
        assertEquals("Deleting", cloud.instance(SS, "0").provisioningState());
        assertEquals("InProgress", delete.status().status());
        assertTrue(machines.exists("agents_0"), "destroyed before the notice ran out or was approved");

        assertFalse(cloud.approve(imds("agents_2"), terminate.eventId()), "a VM the event does not name");
        assertTrue(cloud.approve(one, terminate.eventId()));

        assertEquals("Succeeded", delete.await(WAIT).status());
        assertFalse(machines.exists("agents_0"));
        assertFalse(machines.exists("agents_1"));
        assertEquals(List.of("2"), cloud.instances(SS).stream().map(InstanceSnapshot::instanceId).toList());
        assertEquals(1, cloud.scaleSet(SS).orElseThrow().capacity());
        assertEquals(List.of(), cloud.scheduledEvents(zero).events());
        assertTrue(cloud.scheduledEvents(zero).documentIncarnation() > document.documentIncarnation());
    }

    @Test
    void withoutApprovalTerminateGoesAheadAtNotBefore() {
        cloud.addScaleSet(spec(1).withTerminateNotification(new TerminateNotification(true, Duration.ofMillis(300)))).await(WAIT);

        CloudOperation delete = cloud.deleteInstances(SS, List.of("0"));

        assertEquals(1, cloud.scheduledEvents().size());
        assertEquals("Succeeded", delete.await(WAIT).status());
        assertTrue(Duration.between(delete.status().startTime(), delete.status().endTime()).toMillis() >= 250);
        assertEquals(List.of(), cloud.scheduledEvents());
    }

    @Test
    void aCancelledTerminateDisappearsAndItsDeleteEndsCanceledKeepingTheInstances() {
        cloud.addScaleSet(spec(2).withTerminateNotification(new TerminateNotification(true, Duration.ofSeconds(30)))).await(WAIT);
        VmMetadata zero = imds("agents_0");
        CloudOperation delete = cloud.deleteInstances(SS, List.of("0"));
        long scheduled = cloud.scheduledEvents(zero).documentIncarnation();
        String eventId = cloud.scheduledEvents(zero).events().get(0).eventId();

        assertEquals(List.of(eventId), cloud.cancelEvents("agents_0"));

        assertEquals("Canceled", delete.await(WAIT).status());
        assertEquals(List.of(), cloud.scheduledEvents(zero).events());
        assertTrue(cloud.scheduledEvents(zero).documentIncarnation() > scheduled);
        assertTrue(machines.exists("agents_0"), "the machine of a cancelled Terminate was destroyed");
        assertEquals("Succeeded", cloud.instance(SS, "0").provisioningState());
        assertEquals(2, cloud.scaleSet(SS).orElseThrow().capacity());
        assertFalse(cloud.approve(zero, eventId), "a cancelled event cannot be approved");
        EventRecord record = cloud.eventHistory().get(0);
        assertNotNull(record.cancelledAt());
        assertEquals(null, record.startedAt());
        assertEquals(List.of(), cloud.cancelEvents("agents_0"), "nothing left to cancel");
    }

    @Test
    void lowerCapacityDeletesTheNewestUnprotectedInstances() {
        cloud.addScaleSet(spec(4)).await(WAIT);
        cloud.updateProtection(SS, "3", new ProtectionPolicy(true, false)).await(WAIT);

        cloud.update(SS, new ScaleSetChange(2L, null, null, null), null).await(WAIT);

        assertEquals(List.of("0", "3"), cloud.instances(SS).stream().map(InstanceSnapshot::instanceId).toList());
        assertEquals(2, cloud.scaleSet(SS).orElseThrow().capacity());
    }

    @Test
    void powerOperationsCallTheMachinesAndReportTheirStates() {
        cloud.addScaleSet(spec(2)).await(WAIT);
        machines.clearCalls();

        cloud.deallocate(SS, List.of("0")).await(WAIT);
        assertEquals("deallocated", cloud.instance(SS, "0").powerState());
        assertEquals(List.of("shutdown agents_0"), machines.calls());
        assertTrue(machines.exists("agents_0"), "the disk stays");

        CloudException powerOff = assertThrows(CloudException.class, () -> cloud.powerOff(SS, List.of("0"), false));
        assertEquals(409, powerOff.status());
        assertEquals("OperationNotAllowed", powerOff.code());

        cloud.start(SS, List.of("0")).await(WAIT);
        assertEquals("running", cloud.instance(SS, "0").powerState());
        cloud.powerOff(SS, List.of("0"), false).await(WAIT);
        assertEquals("stopped", cloud.instance(SS, "0").powerState());
        cloud.start(SS, List.of("0")).await(WAIT);
        machines.clearCalls();

        cloud.restart(SS, List.of("1")).await(WAIT);
        assertEquals(List.of("shutdown agents_1", "boot agents_1"), machines.calls());
        assertEquals("running", cloud.instance(SS, "1").powerState());
        machines.clearCalls();

        cloud.reimage(SS, List.of("1")).await(WAIT);
        assertEquals(List.of("destroy agents_1", "boot agents_1"), machines.calls());
    }

    @Test
    void omittedInstanceIdsMeanEveryInstanceNotProtectedFromScaleSetActions() {
        cloud.addScaleSet(spec(3)).await(WAIT);
        cloud.updateProtection(SS, "1", new ProtectionPolicy(false, true)).await(WAIT);

        cloud.deallocate(SS, null).await(WAIT);

        assertEquals(List.of("deallocated", "running", "deallocated"),
                cloud.instances(SS).stream().map(InstanceSnapshot::powerState).toList());
    }

    @Test
    void aNewModelIsAppliedByManualUpgradeWhichBootsAFreshDiskForNewCustomData() {
        cloud.addScaleSet(spec(2)).await(WAIT);

        cloud.update(SS, new ScaleSetChange(null, null, base64("#cloud-config\nruncmd: [two]\n"), null), null).await(WAIT);

        assertEquals(List.of(false, false), cloud.instances(SS).stream().map(InstanceSnapshot::latestModelApplied).toList());
        machines.clearCalls();
        cloud.manualUpgrade(SS, List.of("1")).await(WAIT);
        assertEquals(List.of("destroy agents_1", "boot agents_1"), machines.calls());
        assertEquals("#cloud-config\nruncmd: [two]\n", machines.disk("agents_1").orElseThrow().customData());
        assertEquals(List.of(false, true), cloud.instances(SS).stream().map(InstanceSnapshot::latestModelApplied).toList());
        // A new instance boots from the current model.
        cloud.update(SS, new ScaleSetChange(3L, null, null, null), null).await(WAIT);
        assertTrue(cloud.instance(SS, "2").latestModelApplied());
        assertEquals("#cloud-config\nruncmd: [two]\n", machines.disk("agents_2").orElseThrow().customData());
    }

    @Test
    void requestsNamingGoneOrBusyInstancesAreRefusedWithArmsCodes() {
        cloud.addScaleSet(spec(2)).await(WAIT);
        cloud.deleteInstances(SS, List.of("1")).await(WAIT);

        CloudException gone = assertThrows(CloudException.class, () -> cloud.deallocate(SS, List.of("1")));
        assertEquals(400, gone.status());
        assertEquals("InvalidParameter", gone.code());
        assertEquals("instanceIds", gone.target());
        assertEquals("The provided instanceId 1 is not an active Virtual Machine Scale Set VM instanceId.", gone.getMessage());

        faults.delay = Duration.ofSeconds(30);
        cloud.restart(SS, List.of("0"));
        CloudException busy = assertThrows(CloudException.class, () -> cloud.deallocate(SS, List.of("0")));
        assertEquals(409, busy.status());
        assertEquals("Conflict", busy.code());
        CloudException missing = assertThrows(CloudException.class, () -> cloud.instance(SS, "7"));
        assertEquals(404, missing.status());
        CloudException noScaleSet = assertThrows(CloudException.class, () -> cloud.instances("nope"));
        assertEquals("ResourceNotFound", noScaleSet.code());
    }

    @Test
    void anInjectedFailureEndsTheOperationFailedAndChangesNothing() {
        cloud.addScaleSet(spec(1)).await(WAIT);
        faults.failure = new CloudError("ZonalAllocationFailed", "Allocation failed.");

        OperationStatus status = cloud.update(SS, new ScaleSetChange(4L, null, null, null), null).await(WAIT);

        assertEquals("Failed", status.status());
        assertEquals("ZonalAllocationFailed", status.error().code());
        assertEquals(1, cloud.instances(SS).size());
        assertEquals(1, cloud.scaleSet(SS).orElseThrow().capacity());
        assertEquals("Succeeded", cloud.scaleSet(SS).orElseThrow().provisioningState());
    }

    @Test
    void spotEvictionPostsPreemptThenDeallocatesOrDeletes() {
        cloud.addScaleSet(spec(2).withSpot("Deallocate")).await(WAIT);
        VmMetadata zero = imds("agents_0");
        assertEquals("Spot", zero.priority());
        assertEquals("Deallocate", zero.evictionPolicy());

        cloud.simulateEviction(SS, "0");

        ScheduledEvent preempt = cloud.scheduledEvents(zero).events().get(0);
        assertEquals("Preempt", preempt.eventType());
        assertEquals(List.of("agents_0"), preempt.resources());
        eventually(() -> cloud.instance(SS, "0").powerState().equals("deallocated"), "evicted to deallocated");
        assertTrue(machines.calls().contains("kill agents_0"));
        assertTrue(machines.exists("agents_0"));
        eventually(() -> cloud.scheduledEvents().isEmpty(), "the event ended");

        EmulatedCloud deleting = new EmulatedCloud(new CloudSettings("sub", "rg", Duration.ZERO), machines, faults);
        try {
            deleting.addScaleSet(ScaleSetSpec.regular("spot", "westeurope", "Standard_D2s_v3", 1, "s").withSpot("Delete"))
                    .await(WAIT);
            deleting.simulateEviction("spot", "0");
            eventually(() -> deleting.instances("spot").isEmpty(), "evicted and deleted");
            assertFalse(machines.exists("spot_0"));
            assertEquals(0, deleting.scaleSet("spot").orElseThrow().capacity());
        } finally {
            deleting.close();
        }
    }

    @Test
    void evictingARegularInstanceIsRefused() {
        cloud.addScaleSet(spec(1)).await(WAIT);
        CloudException e = assertThrows(CloudException.class, () -> cloud.simulateEviction(SS, "0"));
        assertEquals(409, e.status());
    }

    @Test
    void maintenanceEventsAreAKnobAndARebootRestartsTheMachineAfterApproval() throws Exception {
        cloud.addScaleSet(spec(1)).await(WAIT);
        VmMetadata zero = imds("agents_0");
        machines.clearCalls();

        var done = cloud.scheduleMaintenance("agents_0", "Reboot", Duration.ofSeconds(30));
        ScheduledEvent reboot = cloud.scheduledEvents(zero).events().get(0);
        assertEquals("Reboot", reboot.eventType());
        assertTrue(cloud.approve(zero, reboot.eventId()));
        done.get(5, TimeUnit.SECONDS);

        assertEquals(List.of("shutdown agents_0", "boot agents_0"), machines.calls());
        assertEquals(List.of(), cloud.scheduledEvents(zero).events());
    }

    @Test
    void imdsKnowsInstancesByTheirMachinesAddressAndManagersByTheirOwn() throws Exception {
        cloud.addScaleSet(spec(1).withZones(List.of("3"))).await(WAIT);
        InetAddress managerAddress = InetAddress.getByAddress(new byte[] {10, 1, 0, 5});
        cloud.addStandaloneVm(new StandaloneVm("manager-1", UUID.randomUUID().toString(), "manager1", managerAddress,
                "westeurope", "Standard_B2s", "1"));

        VmMetadata agent = imds("agents_0");
        assertEquals("agents", agent.vmScaleSetName());
        assertEquals("3", agent.zone());
        assertEquals("Standard_D2s_v3", agent.vmSize());
        assertEquals("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/agents/"
                + "virtualMachines/0", agent.resourceId());
        assertEquals(cloud.instance(SS, "0").vmId(), agent.vmId());
        VmMetadata manager = cloud.vmAt(managerAddress).orElseThrow();
        assertEquals("manager-1", manager.name());
        assertEquals("", manager.vmScaleSetName());
        assertTrue(cloud.vmAt(InetAddress.getByAddress(new byte[] {10, 9, 9, 9})).isEmpty());
    }

    @Test
    void closingCancelsOperationsThatHaveNotStartedTheirMachineWork() {
        cloud.addScaleSet(spec(1)).await(WAIT);
        faults.delay = Duration.ofSeconds(30);
        CloudOperation slow = cloud.restart(SS, List.of("0"));

        cloud.close();

        assertEquals("Canceled", slow.await(WAIT).status());
        assertNull(slow.status().error());
    }

    /** Faults a test sets directly. */
    private static final class MutableFaults implements OperationFaults {
        volatile Duration delay = Duration.ZERO;
        volatile CloudError failure;

        @Override
        public Duration operationDelay() {
            return delay;
        }

        @Override
        public java.util.Optional<CloudError> takeOperationFailure() {
            CloudError taken = failure;
            failure = null;
            return java.util.Optional.ofNullable(taken);
        }
    }
}
