package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Service;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MoveIntentTest {
    private final RebalanceFixture cluster = new RebalanceFixture();

    @Test
    void roundTripsThroughTheServiceLabelsAndKeepsTheOthers() {
        Service web = cluster.service("web", 8, io.harbormaster.swarm.Resources.NONE, java.util.List.of(),
                Map.of("team", "a"), java.util.List.of());
        MoveIntent intent = new MoveIntent(8, RebalanceFixture.NOW);
        Service moved = cluster.relabel(web, intent.labelsOn(web), 9);
        assertEquals(Optional.of(intent), MoveIntent.of(moved));
        assertEquals("a", moved.labels().get("team"));
        assertEquals(Map.of("team", "a"), MoveIntent.labelsWithout(moved));
    }

    @Test
    void aServiceWithoutOurLabelsHasNoIntentAndAnUnreadableStartCountsAsLongAgo() {
        Service web = cluster.service("web", 8);
        assertEquals(Optional.empty(), MoveIntent.of(web));
        assertFalse(MoveIntent.labelled(web));
        Service odd = cluster.relabel(web, Map.of(MoveIntent.REPLICAS_LABEL, "8", MoveIntent.SINCE_LABEL, "yesterday"), 9);
        assertEquals(Instant.EPOCH, MoveIntent.of(odd).orElseThrow().since());
        Service unparsable = cluster.relabel(web, Map.of(MoveIntent.REPLICAS_LABEL, "eight"), 9);
        assertEquals(Optional.empty(), MoveIntent.of(unparsable));
        assertTrue(MoveIntent.labelled(unparsable));
    }

    @Test
    void theOptOutLabelIsRead() {
        assertTrue(MoveIntent.optedOut(cluster.service("a", 2, io.harbormaster.swarm.Resources.NONE, java.util.List.of(),
                Map.of("io.harbormaster.rebalance", "Disabled"), java.util.List.of())));
        assertFalse(MoveIntent.optedOut(cluster.service("b", 2)));
    }
}
