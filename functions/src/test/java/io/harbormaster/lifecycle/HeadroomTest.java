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

    @Test
    void aGenericResourceReservedByALiveTaskIsNotFreeAndANodeThatAdvertisesNoneHasNone() {
        RebalanceFixture cluster = new RebalanceFixture();
        Node one = cluster.worker("one", Map.of("gpu", 1L));
        Node two = cluster.worker("two", Map.of("gpu", 2L));
        Node plain = cluster.worker("plain");
        Resources gpu = new Resources(0, 0, Map.of("gpu", 1L));
        Service train = cluster.service("train", 2, gpu, List.of(), Map.of(), List.of());
        cluster.running(train, one, 1);
        cluster.running(train, two, 1);

        Headroom headroom = Headroom.of(cluster.view());
        assertFalse(headroom.fits(one, gpu), "its one gpu is taken");
        assertTrue(headroom.fits(two, gpu), "one of its two is free");
        assertFalse(headroom.fits(two, new Resources(0, 0, Map.of("gpu", 2L))));
        assertFalse(headroom.fits(plain, gpu), "CPU and memory to spare, but no gpu");
        assertFalse(headroom.fits(two, new Resources(0, 0, Map.of("fpga", 1L))), "a kind it does not advertise");
        assertTrue(headroom.fits(plain, new Resources(RebalanceFixture.CPU, 0)));
    }
}
