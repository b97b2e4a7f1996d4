package io.harbormaster.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.github.dockerjava.api.model.Reachability;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeManagerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerSwarmTest {
    private static SwarmNode manager(String addr, boolean leader, Reachability reachability) {
        return new SwarmNode().withManagerStatus(
                new SwarmNodeManagerStatus().withAddr(addr).withLeader(leader).withReachability(reachability));
    }

    @Test
    void reachableManagersLeaderFirst() {
        List<SwarmNode> nodes = List.of(
                manager("10.0.0.6:2377", false, Reachability.REACHABLE),
                manager("10.0.0.5:2377", false, Reachability.UNREACHABLE),
                manager("10.0.0.7:2377", true, Reachability.REACHABLE),
                manager("10.0.0.4:2377", false, Reachability.REACHABLE),
                new SwarmNode());
        assertEquals(List.of("10.0.0.7:2377", "10.0.0.4:2377", "10.0.0.6:2377"),
                DockerSwarm.reachableManagerAddresses(nodes));
    }

    @Test
    void joinTicketRedactsTheToken() {
        JoinTicket ticket = new JoinTicket(SwarmRole.WORKER, "SWMTKN-1-secret", List.of("10.0.0.4:2377"));
        assertFalse(ticket.toString().contains("SWMTKN"), ticket.toString());
    }

    @Test
    void rolesParseFromUrlNames() {
        assertEquals(SwarmRole.WORKER, SwarmRole.parse("worker").orElseThrow());
        assertEquals(SwarmRole.MANAGER, SwarmRole.parse("Manager").orElseThrow());
        assertEquals(true, SwarmRole.parse("admin").isEmpty());
        assertEquals(true, SwarmRole.parse(null).isEmpty());
    }
}
