package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.audit.AuditKind;
import io.harbormaster.capacity.AfterPlan;
import io.harbormaster.capacity.CapacitySnapshot;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import io.harbormaster.testsupport.InMemoryAuditTrail;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RebalancerTest {
    private final MutableClock clock = new MutableClock(RebalanceFixture.NOW);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryAuditTrail audit = new InMemoryAuditTrail();
    private final Rebalancer rebalancer = new Rebalancer(swarm, RebalanceSettings.DEFAULTS, audit);
    private final Node a = swarm.addWorker("a");
    private final Node b = swarm.addWorker("b");
    private final Node c = swarm.addWorker("c");
    private final Service web = swarm.addService(new Service("svc-web", "web", Service.Mode.REPLICATED, 4, Resources.NONE,
            List.of(), 3, Map.of("team", "a")));

    private CapacitySnapshot snapshot() {
        List<Service> services = swarm.services();
        return new CapacitySnapshot(swarm.nodes(), swarm.desiredRunningTasks(services.stream().map(Service::id).toList()),
                services, new ScaleSetModel("ss", "ss", 3, "sku", ScaleSetModel.OrchestrationMode.UNIFORM, "Succeeded", "e"),
                List.of(), List.of(), clock.instant());
    }

    @Test
    void startsAMoveWithItsIntentInTheSameUpdateThenFinishesItOnceTheExtraTaskRuns() {
        for (int i = 0; i < 4; i++) {
            swarm.addTask(web.id(), a.id(), "running");
        }
        AfterPlan.Result started = rebalancer.run(snapshot(), null, false);
        Service moving = swarm.service(web.id());
        assertEquals(5, moving.replicas());
        assertEquals("4", moving.labels().get(MoveIntent.REPLICAS_LABEL));
        assertEquals("a", moving.labels().get("team"));
        assertEquals(Optional.of(Rebalancer.FOLLOW_UP), started.nextCheck());
        assertEquals("rebalance web: move a task from a to b (scale 4 -> 5)", started.decisions().get(0).action());

        // A redelivered pass before the task runs changes nothing and asks again.
        swarm.addTask(web.id(), b.id(), "starting");
        AfterPlan.Result waiting = rebalancer.run(snapshot(), null, false);
        assertEquals(List.of(), waiting.decisions());
        assertEquals(Optional.of(Rebalancer.FOLLOW_UP), waiting.nextCheck());
        assertEquals(5, swarm.service(web.id()).replicas());

        swarm.allTasks().stream().filter(task -> "starting".equals(task.state()))
                .forEach(task -> swarm.setTaskState(task.id(), "running"));
        // Held (the capacity plan scales out) does not keep a move from ending; the next may start at once.
        AfterPlan.Result finished = rebalancer.run(snapshot(), "the capacity plan scales out", false);
        assertEquals(Optional.of(Rebalancer.NEXT_MOVE), finished.nextCheck());
        Service back = swarm.service(web.id());
        assertEquals(4, back.replicas());
        assertEquals(Map.of("team", "a"), back.labels());
        assertEquals(List.of("start", "finish"), audit.of(AuditKind.REBALANCE_MOVE).stream()
                .map(event -> event.details().get("step")).toList());
        assertEquals(List.of("svc-web=5", "svc-web=4"), swarm.replicaChanges());
    }

    @Test
    void aDryRunDecidesAndActsOnNothing() {
        for (int i = 0; i < 4; i++) {
            swarm.addTask(web.id(), a.id(), "running");
        }
        AfterPlan.Result result = rebalancer.run(snapshot(), null, true);
        assertTrue(result.decisions().get(0).dryRun());
        assertEquals(Optional.empty(), result.nextCheck());
        assertEquals(List.of(), swarm.replicaChanges());
    }

    @Test
    void aServiceChangedSinceTheSnapshotIsLeftForTheNextPass() {
        for (int i = 0; i < 4; i++) {
            swarm.addTask(web.id(), a.id(), "running");
        }
        CapacitySnapshot stale = snapshot();
        swarm.setReplicas(swarm.service(web.id()), 4); // a user's update: a new version
        AfterPlan.Result result = rebalancer.run(stale, null, false);
        assertEquals(List.of(), result.decisions());
        assertEquals(Optional.of(Rebalancer.NEXT_MOVE), result.nextCheck());
        assertEquals(4, swarm.service(web.id()).replicas());
        assertEquals(Map.of("team", "a"), swarm.service(web.id()).labels());
    }
}
