package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditKind;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.scaleset.PoolScaleSets;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.testsupport.InMemoryImageCatalog;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemoryUpgradeQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade of two pools on the in-memory ports: "agents" (the first pool, bare instance ids) and "gpu"
 * (ids {@code gpu:N}), each with its own scale set, maximum and image catalog. Both scale sets number their instances
 * from 0, so an id that lost its pool would act on the wrong VM.
 */
class PoolsUpgradeTest extends InMemoryUpgradeRun {
    private final InMemoryImageCatalog agentImages = new InMemoryImageCatalog();
    private final InMemoryImageCatalog gpuImages = new InMemoryImageCatalog();
    private int agentsMax = 2;
    private int gpuMax = 2;

    @Override
    ScaleSet drainPort() {
        Map<String, ScaleSet> byPool = new LinkedHashMap<>();
        byPool.put("agents", scaleSet);
        byPool.put("gpu", gpu);
        return new PoolScaleSets(byPool);
    }

    private List<UpgradePool> pools() {
        return List.of(new UpgradePool("agents", scaleSet, agentImages, agentsMax, true),
                new UpgradePool("gpu", gpu, gpuImages, gpuMax, false));
    }

    private UpgradeControl control() {
        return new UpgradeControl(pools(), store, queue, clock, audit);
    }

    @Override
    UpgradeWorker upgradeWorker(int ignored) {
        return new UpgradeWorker(swarm, pools(), drains, store, queue,
                new UpgradeProgress.Pacing(1, Duration.ofMinutes(5), CHECK), nodes -> Set.of(), clock, audit);
    }

    /** Two agents in each pool. */
    private void twoPools() {
        agents(2);
        for (int i = 0; i < 2; i++) {
            swarm.addWorker(gpu.addInstance(String.format("gpu%06d", i)).computerName());
        }
    }

    private List<String> writes(InMemoryScaleSet set) {
        return set.calls().stream().map(InMemoryScaleSet.Call::method)
                .filter(m -> m.startsWith("begin") || m.equals("deleteInstances")).toList();
    }

    @Test
    void onlyTheSecondPoolBehindUpgradesItsAgentsOnItsOwnScaleSetAndLeavesTheFirstAlone() {
        twoPools();
        gpu.changeModel();

        UpgradeControl.Result started = control().start("test");

        UpgradeStatus status = started.status().orElseThrow();
        assertEquals(List.of("gpu:0", "gpu:1"), status.entries().stream().map(UpgradeEntry::instanceId).toList());
        assertTrue(status.entries().stream().allMatch(entry -> entry.pool().equals("gpu")));
        assertEquals(List.of("gpu"), status.pools().stream().map(UpgradeStatus.PoolTarget::name).toList());
        assertEquals("gpu", UpgradeCodec.view(status).get("pool"));

        run(2, Duration.ofMinutes(10));

        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
        assertTrue(gpu.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        // At its maximum (2): drained and upgraded in place, by the gpu scale set's own (bare) ids.
        assertEquals(List.of("0", "1"), gpu.calls().stream().filter(c -> c.method().equals("beginManualUpgrade"))
                .map(c -> c.arguments().get(0)).toList());
        assertEquals(List.of(), writes(scaleSet), "the first pool is untouched");
    }

    @Test
    void aSurgeInTheSecondPoolUsesItsOwnMaximumAndItsDrainDeletesTheGpuInstanceNotTheFirstPoolsOfTheSameId() {
        twoPools();
        gpu.changeModel();
        gpuMax = 3;
        control().start("test");

        run(2, Duration.ofMinutes(10));

        UpgradeStatus done = stored();
        assertEquals(UpgradeStatus.State.DONE, done.state(), String.valueOf(done));
        assertTrue(done.entries().stream().allMatch(UpgradeEntry::surged), String.valueOf(done.entries()));
        assertEquals("gpu:2", done.entries().get(0).replacementId());
        // The drain recorded the id the drain worker resolves to the gpu scale set.
        DrainStatus firstDrain = drainStatuses.read("gpu000000").orElseThrow().status();
        assertEquals("gpu:0", firstDrain.request().instanceId());
        assertEquals(Set.of("2", "3"), Set.copyOf(gpu.instances().stream().map(ScaleSetInstance::instanceId).toList()));
        assertEquals(List.of("0", "1"), scaleSet.instances().stream().map(ScaleSetInstance::instanceId).toList(),
                "the first pool's instances 0 and 1 are still there");
        assertEquals(List.of(), writes(scaleSet));
        assertEquals(2, scaleSet.capacity());
    }

    @Test
    void withoutAPoolEveryPoolBehindIsUpgradedOnePoolAfterTheOtherInTheSettingsOrder() {
        twoPools();
        scaleSet.changeModel();
        gpu.changeModel();

        UpgradeStatus started = control().start("test").status().orElseThrow();
        assertEquals(List.of("0", "1", "gpu:0", "gpu:1"),
                started.entries().stream().map(UpgradeEntry::instanceId).toList());
        assertEquals(List.of("agents", "gpu"), started.pools().stream().map(UpgradeStatus.PoolTarget::name).toList());

        run(2, Duration.ofMinutes(20));

        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        assertTrue(gpu.instances().stream().allMatch(ScaleSetInstance::latestModelApplied));
        Instant lastAgentDone = phaseChanges("agents").stream().filter(e -> "done".equals(e.details().get("to")))
                .map(AuditEvent::at).max(Instant::compareTo).orElseThrow();
        Instant firstGpuStart = phaseChanges("gpu").stream().map(AuditEvent::at).min(Instant::compareTo).orElseThrow();
        assertFalse(firstGpuStart.isBefore(lastAgentDone), "gpu started at " + firstGpuStart + ", agents done at "
                + lastAgentDone);
    }

    private List<AuditEvent> phaseChanges(String pool) {
        return audit.all().stream().filter(e -> e.kind() == AuditKind.UPGRADE && pool.equals(e.details().get("pool")))
                .toList();
    }

    @Test
    void aStartNamingAPoolCoversThatPoolOnlyAndAnUnknownPoolChangesNothing() {
        twoPools();
        scaleSet.changeModel();
        gpu.changeModel();
        long callsBefore = scaleSet.calls().size() + gpu.calls().size();

        UpgradeControl.UnknownPool unknown = assertThrows(UpgradeControl.UnknownPool.class,
                () -> control().start("test", Optional.of("cpu")));
        assertTrue(unknown.getMessage().contains("agents, gpu"), unknown.getMessage());
        assertTrue(store.read().isEmpty());
        assertTrue(queue.waiting().isEmpty());
        assertEquals(callsBefore, scaleSet.calls().size() + gpu.calls().size(), "nothing was read or written");

        UpgradeStatus started = control().start("test", Optional.of("gpu")).status().orElseThrow();
        assertEquals(List.of("gpu:0", "gpu:1"), started.entries().stream().map(UpgradeEntry::instanceId).toList());
        run(2, Duration.ofMinutes(10));
        assertEquals(UpgradeStatus.State.DONE, stored().state());
        assertTrue(scaleSet.instances().stream().noneMatch(ScaleSetInstance::latestModelApplied),
                "the first pool is still behind: it was not named");
        assertEquals(List.of(), writes(scaleSet));
    }

    @Test
    void eachPoolReadsTheNewestImageOfItsOwnModel() {
        twoPools();
        agentImages.publish(null);
        gpuImages.publish("2.0.0");
        gpu.runImage("1.0.0");
        gpu.reimagesInstall("2.0.0");

        UpgradeStatus started = control().start("test").status().orElseThrow();

        assertEquals(1, agentImages.reads());
        assertEquals(1, gpuImages.reads());
        assertEquals("2.0.0", started.imageVersion("gpu"));
        assertEquals(List.of("gpu"), started.pools().stream().map(UpgradeStatus.PoolTarget::name).toList());
        assertTrue(started.entries().stream().allMatch(entry -> entry.method().equals(UpgradeEntry.REIMAGE)));
        run(2, Duration.ofMinutes(10));
        assertEquals(UpgradeStatus.State.DONE, stored().state(), String.valueOf(stored()));
        assertTrue(gpu.instances().stream().allMatch(instance -> instance.imageVersion().equals("2.0.0")));
        assertEquals(0, scaleSet.count("beginReimage"));
    }

    @Test
    void aFlexibleSecondPoolIsReplacedVmByVmInItsOwnScaleSet() {
        twoPools();
        gpu.flexible();
        gpu.changeModel();
        gpuMax = 3;

        UpgradeStatus started = control().start("test", Optional.of("gpu")).status().orElseThrow();
        run(2, Duration.ofMinutes(10));

        UpgradeStatus done = stored();
        assertEquals(UpgradeStatus.State.DONE, done.state(), String.valueOf(done));
        assertEquals(List.of("replace", "replace"), done.entries().stream().map(UpgradeEntry::method).toList());
        assertEquals(0, gpu.count("beginManualUpgrade") + gpu.count("beginReimage"));
        assertEquals(Set.of("2", "3"), Set.copyOf(gpu.instances().stream().map(ScaleSetInstance::instanceId).toList()));
        assertEquals(2, scaleSet.instances().size(), "the first pool's VMs of the same ids are still there");
        assertEquals(List.of(), writes(scaleSet));
        assertEquals(2, started.entries().size());
    }

    @Test
    void theAutomaticStartNoticesAModelChangeInTheSecondPool() {
        twoPools();
        UpgradeControl control = control();
        assertTrue(control.startIfBehind(Map.of("agents", scaleSet.instances(), "gpu", gpu.instances())).isEmpty());

        gpu.changeModel();
        Optional<UpgradeStatus> started = control.startIfBehind(Map.of("agents", scaleSet.instances(),
                "gpu", gpu.instances()));

        assertEquals(List.of("gpu:0", "gpu:1"), started.orElseThrow().entries().stream().map(UpgradeEntry::instanceId)
                .toList());
    }

    @Test
    void anUpgradeOfAPoolNoLongerInTheSettingsPausesSayingSo() {
        twoPools();
        gpu.changeModel();
        control().start("test");
        UpgradeWorker onePool = new UpgradeWorker(swarm, List.of(pools().get(0)), drains, store, queue,
                new UpgradeProgress.Pacing(1, Duration.ofMinutes(5), CHECK), nodes -> Set.of(), clock, audit);

        InMemoryUpgradeQueue.Sent pass = queue.takeNextDue().orElseThrow();
        assertEquals(UpgradeWorker.Outcome.STOPPED, onePool.handle(pass.text(), pass.id()));

        assertEquals(UpgradeStatus.State.PAUSED, stored().state());
        assertTrue(stored().pausedBecause().contains("pool 'gpu' is no longer in HARBORMASTER_POOLS"),
                stored().pausedBecause());
        assertEquals(List.of(), writes(gpu));
    }
}
