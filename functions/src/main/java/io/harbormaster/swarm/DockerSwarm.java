package io.harbormaster.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Reachability;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeManagerStatus;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.harbormaster.config.DockerSettings;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** The {@link Swarm} port backed by docker-java, speaking to the managers in {@link DockerSettings}. */
public final class DockerSwarm implements Swarm, AutoCloseable {
    private final ManagerEndpoints managers;

    DockerSwarm(ManagerEndpoints managers) {
        this.managers = managers;
    }

    public static DockerSwarm connect(DockerSettings settings) {
        DockerTlsConfig tls = settings.tls().map(DockerTlsConfig::from).orElse(null);
        List<ManagerEndpoints.ManagerEndpoint> endpoints = settings.endpoints().stream()
                .map(uri -> new ManagerEndpoints.ManagerEndpoint(uri, client(uri, tls, settings)))
                .toList();
        return new DockerSwarm(new ManagerEndpoints(endpoints));
    }

    private static DockerClient client(URI uri, DockerTlsConfig tls, DockerSettings settings) {
        boolean useTls = tls != null && "tcp".equals(uri.getScheme());
        // Built from scratch, not from the defaults, so DOCKER_* variables and ~/.docker of the host play no part.
        DefaultDockerClientConfig config = new DefaultDockerClientConfig.Builder()
                .withDockerHost(uri.toString())
                .withDockerTlsVerify(useTls)
                .withCustomSslConfig(useTls ? tls : null)
                .build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(uri)
                .sslConfig(useTls ? tls : null)
                .connectionTimeout(settings.connectTimeout())
                .responseTimeout(settings.responseTimeout())
                .maxConnections(32)
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    @Override
    public JoinTicket joinTicket(SwarmRole role) {
        return managers.call(docker -> {
            var joinTokens = docker.inspectSwarmCmd().exec().getJoinTokens();
            String token = role == SwarmRole.MANAGER ? joinTokens.getManager() : joinTokens.getWorker();
            List<SwarmNode> nodes = docker.listSwarmNodesCmd().withRoleFilter(List.of("manager")).exec();
            return new JoinTicket(role, token, reachableManagerAddresses(nodes));
        });
    }

    /** Leader first: a joining node that tries addresses in order then reaches the leader without a hop. */
    static List<String> reachableManagerAddresses(List<SwarmNode> nodes) {
        return nodes.stream()
                .map(SwarmNode::getManagerStatus)
                .filter(Objects::nonNull)
                .filter(status -> status.getReachability() == Reachability.REACHABLE)
                .sorted(Comparator.comparing(SwarmNodeManagerStatus::isLeader).reversed()
                        .thenComparing(SwarmNodeManagerStatus::getAddr))
                .map(SwarmNodeManagerStatus::getAddr)
                .toList();
    }

    @Override
    public void close() {
        managers.close();
    }
}
