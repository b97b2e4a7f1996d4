package io.harbormaster.lifecycle;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadroomTest {
    @Test
    void aNodeHasItsResourcesLessTheReservationsOfItsLiveTasks() {
        RebalanceFixture cluster = new RebalanceFixture();
        Node full = cluster.worker("full");
        Node half = cluster.worker("half");
        Service big = cluster.service("big", 3, new Resources(RebalanceFixture.CPU, 0), List.of(), Map.of(), List.of());
        cluster.running(big, full, 2);
        cluster.running(big, half, 1);
        cluster.task(big, half, "shutdown"); // gone: reserves nothing

        Headroom headroom = Headroom.of(cluster.view());
        assertFalse(headroom.fits(full, big.reservations()));
        assertTrue(headroom.fits(half, big.reservations()));
        assertFalse(headroom.fits(half, new Resources(2 * RebalanceFixture.CPU, 0)));
        assertTrue(headroom.fits(full, Resources.NONE));
    }
}
