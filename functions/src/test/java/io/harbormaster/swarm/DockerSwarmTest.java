package io.harbormaster.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.github.dockerjava.api.model.Reachability;
import com.github.dockerjava.api.model.ResourceRequirements;
import com.github.dockerjava.api.model.ResourceSpecs;
import com.github.dockerjava.api.model.ServiceGlobalModeOptions;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeManagerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerSwarmTest {
    @Test
    void theJoinTokenRecordTakesVersionCreationAndOurLabelsAndLeavesTheTokens() throws Exception {
        // Shaped as GET /swarm answers (Engine API 1.43), trimmed.
        var swarm = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"ID":"abc","Version":{"Index":42},"CreatedAt":"2026-11-30T09:15:02.123456789Z",
                 "Spec":{"Name":"default","Labels":{"io.harbormaster.join-token.worker.rotated-at":"2026-12-05T10:17:00Z",
                   "io.harbormaster.join-token.manager.rotated-at":"not a time","other":"x"}},
                 "JoinTokens":{"Worker":"SWMTKN-1-w","Manager":"SWMTKN-1-m"}}
                """);
        JoinTokenRecord record = DockerSwarm.toJoinTokenRecord(swarm);
        assertEquals(42, record.version());
        assertEquals(java.time.Instant.parse("2026-11-30T09:15:02.123456789Z"), record.swarmCreatedAt());
        assertEquals(java.util.Map.of(SwarmRole.WORKER, java.time.Instant.parse("2026-12-05T10:17:00Z")), record.rotatedAt());
        assertEquals(record.swarmCreatedAt(), record.tokenSince(SwarmRole.MANAGER), "an unreadable label counts as none");
        assertFalse(record.toString().contains("SWMTKN"));
    }

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
    void servicesCarryModeReservationsAndConstraints() {
        var replicated = new com.github.dockerjava.api.model.Service()
                .withId("svc-1")
                .withSpec(new ServiceSpec()
                        .withName("web")
                        .withMode(new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(4)))
                        .withTaskTemplate(new TaskSpec()
                                .withResources(new ResourceRequirements().withReservations(
                                        new ResourceSpecs().withNanoCPUs(1_500_000_000L).withMemoryBytes(512L << 20)))
                                .withPlacement(new ServicePlacement().withConstraints(List.of("node.labels.zone==a")))));
        assertEquals(new Service("svc-1", "web", Service.Mode.REPLICATED, 4,
                        new Resources(1_500_000_000L, 512L << 20), List.of("node.labels.zone==a")),
                DockerSwarm.toService(replicated));

        var global = new com.github.dockerjava.api.model.Service()
                .withId("svc-2")
                .withSpec(new ServiceSpec().withName("agent").withMode(new ServiceModeConfig().withGlobal(new ServiceGlobalModeOptions())));
        assertEquals(new Service("svc-2", "agent", Service.Mode.GLOBAL, 0, Resources.NONE, List.of()), DockerSwarm.toService(global));
        assertEquals(new Service("svc-3", "", Service.Mode.REPLICATED, 0, Resources.NONE, List.of()),
                DockerSwarm.toService(new com.github.dockerjava.api.model.Service().withId("svc-3")));
    }

    @Test
    void placementPreferencesAreReadFromTheRawServiceListing() throws Exception {
        // Shaped as GET /services answers (Engine API 1.41), trimmed: docker-java's model has no Preferences.
        var services = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                [{"ID":"svc-1","Spec":{"TaskTemplate":{"Placement":{"Preferences":[
                    {"Spread":{"SpreadDescriptor":"node.labels.zone"}},{"Spread":{"SpreadDescriptor":"node.labels.rack"}}]}}}},
                 {"ID":"svc-2","Spec":{"TaskTemplate":{"Placement":{"Constraints":["node.role==worker"]}}}}]
                """);
        assertEquals(java.util.Map.of("svc-1", List.of("node.labels.zone", "node.labels.rack")),
                DockerSwarm.preferences(services));
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
