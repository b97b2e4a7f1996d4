package io.harbormaster.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Reachability;
import com.github.dockerjava.api.model.ResourceRequirements;
import com.github.dockerjava.api.model.ResourceSpecs;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeAvailability;
import com.github.dockerjava.api.model.SwarmNodeManagerStatus;
import com.github.dockerjava.api.model.SwarmNodeRole;
import com.github.dockerjava.api.model.SwarmNodeSpec;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.config.DockerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.EnumMap;
import java.util.Set;

/** The {@link Swarm} port backed by docker-java, speaking to the managers in {@link DockerSettings}. */
public final class DockerSwarm implements Swarm, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads the Engine API's service JSON into docker-java's model, as its own client does, newer fields ignored. */
    private static final ObjectMapper SERVICE_READER = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
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

    /**
     * Read raw and then into docker-java's model, in one call: the model has no generic resources (nor a task's
     * reservation of them), which {@link #genericResources} reads from the same answer.
     */
    @Override
    public List<Node> nodes() {
        return managers.call(docker -> toNodes(exchange(httpClient(docker), DockerHttpClient.Request.Method.GET, "/nodes", null)));
    }

    @Override
    public Optional<Node> node(String nodeId) {
        // A filter, not inspect: inspect also matches by hostname, and we must not act on a namesake.
        return managers.call(docker -> toNodes(exchange(httpClient(docker), DockerHttpClient.Request.Method.GET,
                        "/nodes?filters=" + filters(Map.of("id", List.of(nodeId))), null)).stream()
                .filter(node -> nodeId.equals(node.id()))
                .findFirst());
    }

    @Override
    public List<Task> tasksOnNode(String nodeId) {
        return managers.call(docker -> toTasks(exchange(httpClient(docker), DockerHttpClient.Request.Method.GET,
                        "/tasks?filters=" + filters(Map.of("node", List.of(nodeId))), null)).stream()
                .filter(task -> nodeId.equals(task.nodeId()))
                .toList());
    }

    /** {@code GET /nodes}'s answer as nodes, their platform and generic resources included. */
    static List<Node> toNodes(JsonNode listed) {
        List<Node> nodes = new java.util.ArrayList<>();
        for (JsonNode raw : listed) {
            nodes.add(toNode(SERVICE_READER.convertValue(raw, SwarmNode.class), raw));
        }
        return List.copyOf(nodes);
    }

    /** {@code GET /tasks}'s answer as tasks, their generic resource reservations included. */
    static List<Task> toTasks(JsonNode listed) {
        List<Task> tasks = new java.util.ArrayList<>();
        for (JsonNode raw : listed) {
            Task task = toTask(SERVICE_READER.convertValue(raw, com.github.dockerjava.api.model.Task.class));
            Map<String, Long> generic = genericResources(raw.path("Spec").path("Resources").path("Reservations"));
            tasks.add(generic.isEmpty() ? task : new Task(task.id(), task.serviceId(), task.nodeId(), task.desiredState(),
                    task.state(), task.message(), task.reservations().withGeneric(generic), task.updatedAt()));
        }
        return List.copyOf(tasks);
    }

    /** The Engine API's list filters, JSON in the query string, as docker-java writes them. */
    private static String filters(Map<String, List<String>> filters) {
        return java.net.URLEncoder.encode(JSON.valueToTree(filters).toString(), StandardCharsets.UTF_8);
    }

    /**
     * The {@code GenericResources} of a node's {@code Description.Resources} or a task's {@code Reservations}, by kind:
     * a {@code DiscreteResourceSpec} counts its value, a {@code NamedResourceSpec} (one GPU's UUID) counts 1, as
     * swarmkit's {@code api/genericresource} counts them.
     */
    static Map<String, Long> genericResources(JsonNode holder) {
        Map<String, Long> byKind = new java.util.HashMap<>();
        for (JsonNode resource : holder.path("GenericResources")) {
            JsonNode discrete = resource.path("DiscreteResourceSpec");
            JsonNode named = resource.path("NamedResourceSpec");
            if (discrete.isObject() && !discrete.path("Kind").asText("").isEmpty()) {
                byKind.merge(discrete.path("Kind").asText(), discrete.path("Value").asLong(0), Long::sum);
            } else if (named.isObject() && !named.path("Kind").asText("").isEmpty()) {
                byKind.merge(named.path("Kind").asText(), 1L, Long::sum);
            }
        }
        return byKind;
    }

    @Override
    public List<Service> services() {
        return managers.call(docker -> {
            // One raw listing: docker-java's model has no placement preferences, so the same answer is read both into
            // that model and for the preferences, and a check stays at three Docker calls.
            JsonNode raw = exchange(httpClient(docker), DockerHttpClient.Request.Method.GET, "/services", null);
            Map<String, List<String>> preferences = preferences(raw);
            List<Service> services = new java.util.ArrayList<>();
            for (JsonNode service : raw) {
                com.github.dockerjava.api.model.Service listed = SERVICE_READER.convertValue(service,
                        com.github.dockerjava.api.model.Service.class);
                Service read = withPreferences(toService(listed), preferences.getOrDefault(listed.getId(), List.of()));
                services.add(withGeneric(read, genericResources(
                        service.path("Spec").path("TaskTemplate").path("Resources").path("Reservations"))));
            }
            return List.copyOf(services);
        });
    }

    /** Service id to the spread descriptors of its placement preferences, from {@code GET /services}. */
    static Map<String, List<String>> preferences(JsonNode services) {
        Map<String, List<String>> byId = new java.util.HashMap<>();
        for (JsonNode service : services) {
            List<String> descriptors = new java.util.ArrayList<>();
            for (JsonNode preference : service.path("Spec").path("TaskTemplate").path("Placement").path("Preferences")) {
                String descriptor = preference.path("Spread").path("SpreadDescriptor").asText("");
                if (!descriptor.isEmpty()) {
                    descriptors.add(descriptor);
                }
            }
            if (!descriptors.isEmpty()) {
                byId.put(service.path("ID").asText(), descriptors);
            }
        }
        return byId;
    }

    private static Service withGeneric(Service service, Map<String, Long> generic) {
        return generic.isEmpty() ? service : new Service(service.id(), service.name(), service.mode(), service.replicas(),
                service.reservations().withGeneric(generic), service.constraints(), service.version(), service.labels(),
                service.preferences());
    }

    private static Service withPreferences(Service service, List<String> preferences) {
        return preferences.isEmpty() ? service : new Service(service.id(), service.name(), service.mode(), service.replicas(),
                service.reservations(), service.constraints(), service.version(), service.labels(), preferences);
    }

    @Override
    public List<Task> desiredRunningTasks(Collection<String> serviceIds) {
        if (serviceIds.isEmpty()) {
            return List.of();
        }
        // desired-state, as docker-java's withStateFilter sends it.
        return managers.call(docker -> toTasks(exchange(httpClient(docker), DockerHttpClient.Request.Method.GET,
                "/tasks?filters=" + filters(Map.of("service", List.copyOf(serviceIds), "desired-state", List.of("running"))),
                null)));
    }

    @Override
    public void updateNode(Node node, Node.Availability availability, Map<String, String> labels) {
        SwarmNodeSpec spec = new SwarmNodeSpec()
                .withRole(node.isManager() ? SwarmNodeRole.MANAGER : SwarmNodeRole.WORKER)
                .withAvailability(SwarmNodeAvailability.valueOf(availability.name()))
                .withLabels(Map.copyOf(labels));
        try {
            managers.call(docker -> docker.updateSwarmNodeCmd()
                    .withSwarmNodeId(node.id())
                    .withVersion(node.version())
                    .withSwarmNodeSpec(spec)
                    .exec());
        } catch (NotFoundException e) {
            throw new NodeNotFoundException(node.id(), e);
        } catch (DockerException e) {
            if (String.valueOf(e.getMessage()).contains("update out of sequence")) {
                throw new NodeVersionConflictException(node.id(), node.version(), e);
            }
            throw e;
        }
    }

    @Override
    public void removeNode(String nodeId) {
        try {
            managers.call(docker -> docker.removeSwarmNodeCmd(nodeId).withForce(false).exec());
        } catch (NotFoundException e) {
            throw new NodeNotFoundException(nodeId, e);
        } catch (BadRequestException e) {
            // FailedPrecondition: "node ... is not down and can't be removed"
            if (String.valueOf(e.getMessage()).contains("is not down")) {
                throw new NodeStillUpException(nodeId, e);
            }
            throw e;
        }
    }

    @Override
    public void forceRemoveNode(String nodeId) {
        try {
            managers.call(docker -> docker.removeSwarmNodeCmd(nodeId).withForce(true).exec());
        } catch (NotFoundException e) {
            throw new NodeNotFoundException(nodeId, e);
        }
    }

    /**
     * Sent as the service's own JSON with only the replica count changed: docker-java's service model lacks fields
     * newer engines have, and a spec round-tripped through it would silently drop them from the service.
     */
    @Override
    public void setReplicas(Service service, long replicas) {
        update(service, replicas, null);
    }

    /** As {@link #setReplicas}, the labels replaced in the same spec update. */
    @Override
    public void updateReplicas(Service service, long replicas, Map<String, String> labels) {
        update(service, replicas, Objects.requireNonNull(labels, "labels"));
    }

    private void update(Service service, long replicas, Map<String, String> labels) {
        try {
            managers.call(docker -> {
                DockerHttpClient http = ((DockerClientImpl) docker).getHttpClient();
                JsonNode current = exchange(http, DockerHttpClient.Request.Method.GET, "/services/" + service.id(), null);
                long version = current.path("Version").path("Index").asLong(-1);
                if (version != service.version()) {
                    throw new ServiceVersionConflictException(service.id(), service.version(), null);
                }
                JsonNode spec = current.path("Spec");
                if (!(spec.path("Mode").path("Replicated") instanceof ObjectNode replicated)) {
                    throw new IllegalArgumentException("service " + service.id() + " is not replicated");
                }
                replicated.put("Replicas", replicas);
                if (labels != null) {
                    ObjectNode written = ((ObjectNode) spec).putObject("Labels");
                    labels.forEach(written::put);
                }
                exchange(http, DockerHttpClient.Request.Method.POST,
                        "/services/" + service.id() + "/update?version=" + version, spec.toString());
                return null;
            });
        } catch (NotFoundException e) {
            throw new IllegalArgumentException("service " + service.id() + " is gone", e);
        } catch (DockerException e) {
            if (String.valueOf(e.getMessage()).contains("update out of sequence")) {
                throw new ServiceVersionConflictException(service.id(), service.version(), e);
            }
            throw e;
        }
    }

    @Override
    public JoinTokenRecord joinTokenRecord() {
        return managers.call(docker -> toJoinTokenRecord(exchange(httpClient(docker), DockerHttpClient.Request.Method.GET,
                "/swarm", null)));
    }

    /** Reads only the version, creation time and our labels: the answer also carries the tokens, which stay here. */
    static JoinTokenRecord toJoinTokenRecord(JsonNode swarm) {
        Map<SwarmRole, Instant> rotated = new EnumMap<>(SwarmRole.class);
        JsonNode labels = swarm.path("Spec").path("Labels");
        for (SwarmRole role : SwarmRole.values()) {
            String value = labels.path(JoinTokenRecord.label(role)).asText("");
            if (!value.isEmpty()) {
                Instant at = instant(value);
                if (!Instant.EPOCH.equals(at)) {
                    rotated.put(role, at);
                }
            }
        }
        return new JoinTokenRecord(swarm.path("Version").path("Index").asLong(-1),
                instant(swarm.path("CreatedAt").asText(null)), rotated);
    }

    /**
     * The spec is sent back as the engine's own JSON with only our labels added, as {@code docker swarm join-token
     * --rotate} does, so that no field docker-java's model lacks is dropped; the version makes it conditional.
     */
    @Override
    public void rotateJoinTokens(JoinTokenRecord record, Set<SwarmRole> roles, Instant at) {
        if (roles.isEmpty()) {
            return;
        }
        try {
            managers.call(docker -> {
                DockerHttpClient http = httpClient(docker);
                JsonNode current = exchange(http, DockerHttpClient.Request.Method.GET, "/swarm", null);
                long version = current.path("Version").path("Index").asLong(-1);
                if (version != record.version()) {
                    throw new SwarmVersionConflictException(record.version(), null);
                }
                if (!(current.path("Spec") instanceof ObjectNode spec)) {
                    throw new IllegalStateException("the swarm answered without a spec");
                }
                ObjectNode labels = spec.path("Labels") instanceof ObjectNode existing ? existing : spec.putObject("Labels");
                for (SwarmRole role : roles) {
                    labels.put(JoinTokenRecord.label(role), at.toString());
                }
                exchange(http, DockerHttpClient.Request.Method.POST, "/swarm/update?version=" + version
                        + "&rotateWorkerToken=" + roles.contains(SwarmRole.WORKER)
                        + "&rotateManagerToken=" + roles.contains(SwarmRole.MANAGER), spec.toString());
                return null;
            });
        } catch (DockerException e) {
            if (String.valueOf(e.getMessage()).contains("update out of sequence")) {
                throw new SwarmVersionConflictException(record.version(), e);
            }
            throw e;
        }
    }

    private static DockerHttpClient httpClient(DockerClient docker) {
        return ((DockerClientImpl) docker).getHttpClient();
    }

    private static JsonNode exchange(DockerHttpClient http, DockerHttpClient.Request.Method method, String path, String body) {
        DockerHttpClient.Request.Builder request = DockerHttpClient.Request.builder().method(method).path(path);
        if (body != null) {
            request.putHeader("Content-Type", "application/json")
                    .bodyBytes(body.getBytes(StandardCharsets.UTF_8));
        }
        try (DockerHttpClient.Response response = http.execute(request.build()); InputStream in = response.getBody()) {
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = response.getStatusCode();
            if (status == 404) {
                throw new NotFoundException(text);
            }
            if (status / 100 != 2) {
                throw new DockerException(method + " " + path + ": " + text, status);
            }
            return text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Node toNode(SwarmNode node) {
        return toNode(node, null);
    }

    /** @param raw the node's own JSON, for its generic resources; null when only the model is at hand */
    static Node toNode(SwarmNode node, JsonNode raw) {
        SwarmNodeSpec spec = node.getSpec();
        var description = node.getDescription();
        var resources = description == null ? null : description.getResources();
        var status = node.getStatus();
        return new Node(
                node.getId(),
                node.getVersion() == null || node.getVersion().getIndex() == null ? 0 : node.getVersion().getIndex(),
                description == null || description.getHostname() == null ? "" : description.getHostname(),
                spec != null && spec.getRole() == SwarmNodeRole.MANAGER ? SwarmRole.MANAGER : SwarmRole.WORKER,
                spec == null || spec.getAvailability() == null
                        ? Node.Availability.ACTIVE
                        : Node.Availability.valueOf(spec.getAvailability().name()),
                status == null || status.getState() == null
                        ? Node.State.UNKNOWN
                        : Node.State.valueOf(status.getState().name()),
                spec == null || spec.getLabels() == null ? Map.of() : spec.getLabels(),
                resources == null ? Resources.NONE : new Resources(
                        Objects.requireNonNullElse(resources.getNanoCPUs(), 0L),
                        Objects.requireNonNullElse(resources.getMemoryBytes(), 0L),
                        raw == null ? Map.of() : genericResources(raw.path("Description").path("Resources"))),
                node.getCreatedAt() == null ? Instant.EPOCH : node.getCreatedAt().toInstant(),
                reachability(spec, node.getManagerStatus()),
                description == null || description.getPlatform() == null ? NodePlatform.UNREPORTED
                        : new NodePlatform(description.getPlatform().getOs(), description.getPlatform().getArchitecture()));
    }

    private static Node.Reachability reachability(SwarmNodeSpec spec, com.github.dockerjava.api.model.SwarmNodeManagerStatus status) {
        if (spec == null || spec.getRole() != SwarmNodeRole.MANAGER) {
            return Node.Reachability.NOT_A_MANAGER;
        }
        if (status == null || status.getReachability() == null) {
            return Node.Reachability.UNKNOWN;
        }
        return switch (status.getReachability()) {
            case REACHABLE -> Node.Reachability.REACHABLE;
            case UNREACHABLE -> Node.Reachability.UNREACHABLE;
            default -> Node.Reachability.UNKNOWN;
        };
    }

    static Service toService(com.github.dockerjava.api.model.Service service) {
        ServiceSpec spec = service.getSpec();
        ServiceModeConfig mode = spec == null ? null : spec.getMode();
        TaskSpec template = spec == null ? null : spec.getTaskTemplate();
        ResourceRequirements requirements = template == null ? null : template.getResources();
        ServicePlacement placement = template == null ? null : template.getPlacement();
        boolean global = mode != null && mode.getGlobal() != null;
        long replicas = mode == null || mode.getReplicated() == null ? 0 : mode.getReplicated().getReplicas();
        return new Service(
                service.getId(),
                spec == null || spec.getName() == null ? "" : spec.getName(),
                global ? Service.Mode.GLOBAL : Service.Mode.REPLICATED,
                global ? 0 : replicas,
                resources(requirements == null ? null : requirements.getReservations()),
                placement == null || placement.getConstraints() == null ? List.of() : placement.getConstraints(),
                service.getVersion() == null || service.getVersion().getIndex() == null ? 0 : service.getVersion().getIndex(),
                spec == null || spec.getLabels() == null ? Map.of() : spec.getLabels());
    }

    private static Resources resources(ResourceSpecs specs) {
        return specs == null ? Resources.NONE : new Resources(
                Objects.requireNonNullElse(specs.getNanoCPUs(), 0L),
                Objects.requireNonNullElse(specs.getMemoryBytes(), 0L));
    }

    static Task toTask(com.github.dockerjava.api.model.Task task) {
        var status = task.getStatus();
        ResourceRequirements requirements = task.getSpec() == null ? null : task.getSpec().getResources();
        ResourceSpecs reservations = requirements == null ? null : requirements.getReservations();
        String message = status == null ? "" : Objects.requireNonNullElse(
                status.getErr(), Objects.requireNonNullElse(status.getMessage(), ""));
        return new Task(
                task.getId(),
                task.getServiceId(),
                task.getNodeId(),
                stateName(task.getDesiredState()),
                status == null ? "unknown" : stateName(status.getState()),
                message,
                resources(reservations),
                instant(task.getUpdatedAt()));
    }

    private static String stateName(TaskState state) {
        return state == null ? "unknown" : state.name().toLowerCase(Locale.ROOT);
    }

    private static Instant instant(String timestamp) {
        try {
            return timestamp == null ? Instant.EPOCH : Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    @Override
    public void close() {
        managers.close();
    }
}
