package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.harbormaster.drain.DrainReason;
import io.harbormaster.drain.DrainRequest;
import io.harbormaster.drain.DrainState;
import io.harbormaster.drain.DrainStatus;
import io.harbormaster.drain.SurgeEntry;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSelectorTest {
    private final RebalanceFixture cluster = new RebalanceFixture();

    @Test
    void replicatedServicesOfTwoOrMoreReplicasAreCandidates() {
        assertNull(ServiceSelector.excluded(cluster.service("web", 2), cluster.view()));
        assertEquals("fewer than 2 replicas", ServiceSelector.excluded(cluster.service("one", 1), cluster.view()));
    }

    @Test
    void globalOptedOutSurgedAndMovingServicesAreNot() {
        Service global = new Service("svc-g", "agent", Service.Mode.GLOBAL, 0, Resources.NONE, List.of());
        assertEquals("global service", ServiceSelector.excluded(global, cluster.view()));

        Service optedOut = cluster.service("db", 3, Resources.NONE, List.of(), Map.of("io.harbormaster.rebalance", "disabled"),
                List.of());
        assertEquals("labelled io.harbormaster.rebalance=disabled", ServiceSelector.excluded(optedOut, cluster.view()));

        Service moving = cluster.relabel(cluster.service("api", 4), Map.of(MoveIntent.REPLICAS_LABEL, "4"), 5);
        assertEquals("a move is under way", ServiceSelector.excluded(moving, cluster.view()));

        Service surged = cluster.service("web", 6);
        DrainRequest request = new DrainRequest("r", "a", "id-a", DrainReason.MANUAL, false, RebalanceFixture.NOW,
                RebalanceFixture.NOW);
        cluster.drains.add(new DrainStatus(request, DrainState.DRAINING, false, 1, 0, false, false, null, null, null, null,
                1, null, RebalanceFixture.NOW, List.of(new SurgeEntry(surged.id(), "web", 6, 2, SurgeEntry.Phase.SURGED))));
        assertEquals("a surge drain under way scales it", ServiceSelector.excluded(surged, cluster.view()));
    }
}
