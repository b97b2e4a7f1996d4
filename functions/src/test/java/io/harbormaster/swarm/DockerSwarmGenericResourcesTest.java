package io.harbormaster.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generic resources and platforms read from the Engine API's JSON: the shapes of {@code GET /nodes}, {@code GET /tasks}
 * and {@code GET /services} as dockerd 20.10 (API 1.41) answers, trimmed; the node's {@code GenericResources} as the
 * Engine API's swagger.yaml gives its example (a discrete SSD count and two named GPUs).
 */
class DockerSwarmGenericResourcesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void aNodesGenericResourcesCountNamedOnesOneEachAndItsPlatformIsRead() throws Exception {
        List<Node> nodes = DockerSwarm.toNodes(json("""
                [{"ID":"n1","Version":{"Index":12},"CreatedAt":"2026-12-06T04:56:00.123456789Z",
                  "UpdatedAt":"2026-12-06T04:57:00.5Z",
                  "Spec":{"Labels":{"io.harbormaster.pool":"gpu"},"Role":"worker","Availability":"active"},
                  "Description":{"Hostname":"gpu000001","Platform":{"Architecture":"aarch64","OS":"linux"},
                    "Resources":{"NanoCPUs":4000000000,"MemoryBytes":8192000000,"GenericResources":[
                      {"DiscreteResourceSpec":{"Kind":"SSD","Value":3}},
                      {"NamedResourceSpec":{"Kind":"GPU","Value":"UUID1"}},
                      {"NamedResourceSpec":{"Kind":"GPU","Value":"UUID2"}}]},
                    "Engine":{"EngineVersion":"20.10.24"}},
                  "Status":{"State":"ready","Addr":"10.0.0.7"}},
                 {"ID":"n2","Version":{"Index":3},"CreatedAt":"2026-12-06T04:56:00Z",
                  "Spec":{"Role":"worker","Availability":"active"},
                  "Description":{"Hostname":"agent000001","Resources":{"NanoCPUs":2000000000,"MemoryBytes":4096}},
                  "Status":{"State":"ready"}}]
                """));

        Node gpu = nodes.get(0);
        assertEquals(new Resources(4_000_000_000L, 8_192_000_000L, Map.of("SSD", 3L, "GPU", 2L)), gpu.resources());
        assertEquals(new NodePlatform("linux", "aarch64"), gpu.platform());
        assertEquals("gpu000001", gpu.hostname());
        assertEquals(12, gpu.version());
        assertEquals(Map.of("io.harbormaster.pool", "gpu"), gpu.labels());
        assertEquals(Node.State.READY, gpu.state());
        Node plain = nodes.get(1);
        assertEquals(new Resources(2_000_000_000L, 4096), plain.resources());
        assertEquals(NodePlatform.UNREPORTED, plain.platform(), "no platform reported matches as the empty string");
    }

    @Test
    void aTasksGenericReservationIsRead() throws Exception {
        List<Task> tasks = DockerSwarm.toTasks(json("""
                [{"ID":"t1","Version":{"Index":40},"CreatedAt":"2026-12-06T05:00:00.1Z","UpdatedAt":"2026-12-06T05:00:01.2Z",
                  "Spec":{"ContainerSpec":{"Image":"busybox"},
                    "Resources":{"Limits":{},"Reservations":{"MemoryBytes":16777216,"GenericResources":[
                      {"DiscreteResourceSpec":{"Kind":"gpu","Value":2}}]}},
                    "Placement":{},"ForceUpdate":0},
                  "ServiceID":"s1","Slot":1,
                  "Status":{"Timestamp":"2026-12-06T05:00:01.2Z","State":"pending",
                    "Message":"pending task scheduling","Err":"no suitable node (insufficient resources on 2 nodes)"},
                  "DesiredState":"running"},
                 {"ID":"t2","ServiceID":"s2","NodeID":"n1","Spec":{"Resources":{"Reservations":{"NanoCPUs":500000000}}},
                  "Status":{"State":"running"},"DesiredState":"running"}]
                """));

        assertEquals(new Resources(0, 16_777_216, Map.of("gpu", 2L)), tasks.get(0).reservations());
        assertEquals("pending", tasks.get(0).state());
        assertEquals("no suitable node (insufficient resources on 2 nodes)", tasks.get(0).message());
        assertEquals(new Resources(500_000_000L, 0), tasks.get(1).reservations());
        assertEquals("n1", tasks.get(1).nodeId());
    }

    @Test
    void namedAndDiscreteSpecsOfOneKindAddUpAndUnknownShapesAreSkipped() throws Exception {
        assertEquals(Map.of("gpu", 3L), DockerSwarm.genericResources(json("""
                {"GenericResources":[{"DiscreteResourceSpec":{"Kind":"gpu","Value":2}},
                  {"NamedResourceSpec":{"Kind":"gpu","Value":"GPU-1"}},{"SomethingNewer":{"Kind":"x"}},
                  {"DiscreteResourceSpec":{"Value":4}}]}
                """)));
        assertEquals(Map.of(), DockerSwarm.genericResources(json("{}")));
    }
}
