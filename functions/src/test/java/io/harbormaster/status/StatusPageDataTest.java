package io.harbormaster.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.capacity.ClusterReport;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusPageDataTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void thePageGetsTheStatusReportPlusServiceNamesAndEachNodesTasks() throws Exception {
        ClusterReport report = SyntheticCluster.report(10, 100, NOW);
        JsonNode page = JSON.valueToTree(StatusPageData.toJson(report));
        JsonNode status = JSON.valueToTree(report.toJson());
        // Everything /api/status says is there, unchanged.
        status.fieldNames().forEachRemaining(field -> assertEquals(status.get(field), page.get(field), field));

        assertEquals(40, page.path("services").size());
        assertEquals("service-0", page.path("services").get(0).path("name").asText());
        JsonNode byNode = page.path("tasksByNode");
        assertEquals(10, byNode.size(), "a column for every node, empty ones too");
        int placed = 0;
        for (JsonNode tasks : (Iterable<JsonNode>) byNode::elements) {
            placed += tasks.size();
        }
        assertEquals(99, placed, "100 tasks, one pending");
        assertEquals(1, page.path("pendingTasks").size());
        assertEquals(0, byNode.path("node0" + "y".repeat(18)).size(), "managers run nothing here");
        JsonNode first = byNode.path("node3" + "y".repeat(18)).get(0);
        assertEquals(Map.of("id", "task0", "serviceId", "svc0" + "x".repeat(20), "state", "running",
                "desiredState", "running"), JSON.convertValue(first, Map.class));
        JsonNode drain = page.path("drainsInFlight").get(0);
        assertEquals(1, drain.path("replacementsPending").asInt());
        assertEquals("2026-12-06T09:58:00Z", drain.path("requestedAt").asText());
        assertEquals("2026-12-06T10:08:00Z", drain.path("deadline").asText());
    }

    @Test
    void onlyTheListedFilesAreServedAndOnlyThePageNeedsAnOperator() {
        PageAssets assets = new PageAssets();
        assertTrue(assets.find("").orElseThrow().operatorOnly());
        assertTrue(assets.find("index.html").orElseThrow().text().contains("/api/ui/app.js"));
        assertFalse(assets.find("login.html").orElseThrow().operatorOnly());
        assertEquals("text/javascript; charset=utf-8", assets.find("app.js").orElseThrow().contentType());
        for (String other : new String[] {"../ui/app.js", "ui/app.js", "data", "login", "/etc/passwd", "app.js/",
                "Index.html", "%2e%2e/x"}) {
            assertTrue(assets.find(other).isEmpty(), other);
        }
    }
}
