package io.harbormaster.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The docker-java adapter against the real local swarm manager, over its unix socket and its mutual-TLS listener. */
class DockerSwarmIT {
    private static DockerSwarm connect(String hosts, boolean withTls, String... extra) throws IOException {
        Map<String, String> settings = new HashMap<>();
        settings.put(DockerSettings.HOSTS, hosts);
        if (withTls) {
            Path tls = LocalServices.dockerTlsDirectory();
            settings.put(DockerSettings.TLS_CA, Files.readString(tls.resolve("ca.pem")));
            settings.put(DockerSettings.TLS_CERT, Files.readString(tls.resolve("cert.pem")));
            settings.put(DockerSettings.TLS_KEY, Files.readString(tls.resolve("key.pem")));
        }
        for (int i = 0; i < extra.length; i += 2) {
            settings.put(extra[i], extra[i + 1]);
        }
        return DockerSwarm.connect(DockerSettings.from(new AppSettings(settings)));
    }

    private static String closedTcpEndpoint() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "tcp://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void joinTicketHoldsExactlyTheSwarmsTokensAndManagers() throws IOException {
        DockerCli docker = DockerCli.forLocalManager();
        try (DockerSwarm swarm = connect(LocalServices.dockerHost(), false)) {
            JoinTicket worker = swarm.joinTicket(SwarmRole.WORKER);
            assertEquals(docker.run("swarm", "join-token", "-q", "worker"), worker.token());
            JoinTicket manager = swarm.joinTicket(SwarmRole.MANAGER);
            assertEquals(docker.run("swarm", "join-token", "-q", "manager"), manager.token());
            List<String> managers = List.of(docker.run("info", "--format",
                    "{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}").trim().split(" "));
            assertEquals(managers, worker.managerAddresses());
            assertTrue(worker.managerAddresses().get(0).endsWith(":2377"), worker.managerAddresses().toString());
        }
    }

    @Test
    void theManagerReadsAsAReachableManagerAndWorkersAsNone() throws IOException {
        DockerCli docker = DockerCli.forLocalManager();
        String self = docker.run("info", "--format", "{{.Swarm.NodeID}}");
        try (DockerSwarm swarm = connect(LocalServices.dockerHost(), false)) {
            Node manager = swarm.nodes().stream().filter(node -> node.id().equals(self)).findFirst().orElseThrow();
            assertEquals(SwarmRole.MANAGER, manager.role());
            assertEquals(Node.Reachability.REACHABLE, manager.reachability(),
                    docker.run("node", "inspect", self, "--format", "{{.ManagerStatus.Reachability}}"));
            swarm.nodes().stream().filter(node -> !node.isManager())
                    .forEach(worker -> assertEquals(Node.Reachability.NOT_A_MANAGER, worker.reachability()));
        }
    }

    @Test
    void servicesAreReadInOneCallWithTheirPlacementPreferences() throws IOException {
        DockerCli docker = DockerCli.forLocalManager();
        String name = "dockerswarmit-" + Long.toString(System.nanoTime(), 36);
        try (io.harbormaster.testsupport.TestService created = io.harbormaster.testsupport.TestService.create(docker, name, 0,
                "--constraint", "node.role==worker", "--reserve-memory", "64m", "--label", "io.harbormaster.drain=surge",
                "--placement-pref", "spread=node.labels.io.harbormaster.zone");
                DockerSwarm swarm = connect(LocalServices.dockerHost(), false)) {
            Service service = swarm.services().stream().filter(s -> s.name().equals(created.name())).findFirst().orElseThrow();
            assertEquals(Service.Mode.REPLICATED, service.mode());
            assertEquals(0, service.replicas());
            assertEquals(List.of("node.role==worker"), service.constraints());
            assertEquals(64L << 20, service.reservations().memoryBytes());
            assertEquals("surge", service.labels().get("io.harbormaster.drain"));
            assertEquals(List.of("node.labels.io.harbormaster.zone"), service.preferences());
            assertTrue(service.version() > 0);
        }
    }

    @Test
    void aGenericResourceReservationAndTheNodesPlatformAreRead() throws IOException {
        DockerCli docker = DockerCli.forLocalManager();
        String self = docker.run("info", "--format", "{{.Swarm.NodeID}}");
        String name = "dockerswarmit-gpu-" + Long.toString(System.nanoTime(), 36);
        // No node advertises gpu, so swarm leaves the task pending ("insufficient resources"), which is the case to read.
        try (io.harbormaster.testsupport.TestService created = io.harbormaster.testsupport.TestService.create(docker, name, 1,
                "--generic-resource", "gpu=2", "--reserve-memory", "16m");
                DockerSwarm swarm = connect(LocalServices.dockerHost(), false)) {
            Service service = swarm.services().stream().filter(s -> s.name().equals(created.name())).findFirst().orElseThrow();
            assertEquals(Map.of("gpu", 2L), service.reservations().generic());
            // Created detached: the orchestrator makes the task a moment later.
            List<Task> tasks = swarm.desiredRunningTasks(List.of(service.id()));
            for (long until = System.nanoTime() + 10_000_000_000L; tasks.isEmpty() && System.nanoTime() < until; ) {
                sleep(100);
                tasks = swarm.desiredRunningTasks(List.of(service.id()));
            }
            assertFalse(tasks.isEmpty(), "the service's task is listed");
            assertEquals(new Resources(0, 16L << 20, Map.of("gpu", 2L)), tasks.get(0).reservations());

            Node manager = swarm.nodes().stream().filter(node -> node.id().equals(self)).findFirst().orElseThrow();
            assertEquals(new NodePlatform(docker.run("node", "inspect", self, "--format", "{{.Description.Platform.OS}}"),
                    docker.run("node", "inspect", self, "--format", "{{.Description.Platform.Architecture}}")), manager.platform());
            assertEquals(NodePlatform.LINUX, manager.platform().os());
            assertEquals(manager, swarm.node(self).orElseThrow(), "the filtered read gives the same node");
        }
    }

    @Test
    void mutualTlsEndpointServesTheSameTicket() throws IOException {
        DockerCli docker = DockerCli.forLocalManager();
        try (DockerSwarm swarm = connect(LocalServices.dockerTlsEndpoint(), true)) {
            assertEquals(docker.run("swarm", "join-token", "-q", "worker"), swarm.joinTicket(SwarmRole.WORKER).token());
        }
    }

    @Test
    void aManagerCertificateFromAnotherAuthorityIsNotTrusted() throws IOException {
        Path tls = LocalServices.dockerTlsDirectory();
        Map<String, String> settings = new HashMap<>();
        settings.put(DockerSettings.HOSTS, LocalServices.dockerTlsEndpoint());
        // Our own client certificate as the only trust anchor: the manager's chain does not lead to it.
        settings.put(DockerSettings.TLS_CA, Files.readString(tls.resolve("cert.pem")));
        settings.put(DockerSettings.TLS_CERT, Files.readString(tls.resolve("cert.pem")));
        settings.put(DockerSettings.TLS_KEY, Files.readString(tls.resolve("key.pem")));
        try (DockerSwarm swarm = DockerSwarm.connect(DockerSettings.from(new AppSettings(settings)))) {
            SwarmUnavailableException e = assertThrows(SwarmUnavailableException.class, () -> swarm.joinTicket(SwarmRole.WORKER));
            assertTrue(e.getMessage().contains(LocalServices.dockerTlsEndpoint() + ": TLS handshake failed"), e.getMessage());
        }
    }

    @Test
    void failsOverPastManagersThatDoNotAnswer() throws IOException {
        String hosts = "unix:///nonexistent/harbormaster.sock," + closedTcpEndpoint() + "," + LocalServices.dockerHost();
        try (DockerSwarm swarm = connect(hosts, true)) {
            String token = swarm.joinTicket(SwarmRole.WORKER).token();
            assertTrue(token.startsWith("SWMTKN-"), "not a swarm token");
        }
    }

    @Test
    void aManagerThatAcceptsButNeverAnswersCostsOneResponseTimeout() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String hosts = "tcp://127.0.0.1:" + silent.getLocalPort() + "," + LocalServices.dockerHost();
            try (DockerSwarm swarm = connect(hosts, true,
                    DockerSettings.CONNECT_TIMEOUT, "500ms", DockerSettings.RESPONSE_TIMEOUT, "800ms")) {
                long start = System.nanoTime();
                swarm.joinTicket(SwarmRole.WORKER);
                long firstMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(firstMillis >= 500 && firstMillis < 5_000, "first call took " + firstMillis + " ms");
                start = System.nanoTime();
                swarm.joinTicket(SwarmRole.WORKER);
                long secondMillis = (System.nanoTime() - start) / 1_000_000;
                // The manager that answered is asked first from then on.
                assertTrue(secondMillis < 500, "second call took " + secondMillis + " ms");
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void noManagerAnsweringIsUnavailableAndNamesEachEndpoint() throws IOException {
        String closed = closedTcpEndpoint();
        try (DockerSwarm swarm = connect("unix:///nonexistent/harbormaster.sock," + closed, true)) {
            SwarmUnavailableException e = assertThrows(SwarmUnavailableException.class, () -> swarm.joinTicket(SwarmRole.WORKER));
            assertFalse(e instanceof SwarmNotInitializedException);
            assertTrue(e.getMessage().contains("unix:///nonexistent/harbormaster.sock"), e.getMessage());
            assertTrue(e.getMessage().contains(closed), e.getMessage());
            assertFalse(e.getMessage().contains("SWMTKN"), e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
