package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.UpgradeCalls;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade of a Uniform scale set whose model names a compute gallery image under latest, on the local
 * cluster: its one agent reports no exactVersion and ARM lists no Uniform disk, so its version is unknown. A newer
 * gallery version is published; the operator's start reimages the agent (an unknown version is behind on the
 * operator's start), which then runs the new version; a second start finds nothing to do, as the upgrade recorded it.
 * By hand (tag long, {@code -Dit.excludedGroups=}): 31.5 s measured with other agents' builds sharing 2 cores (cluster
 * and agent ready 18.2 s, the upgrade 7.2 s), over the 25 s a new CI case may take; the decision and the pass are
 * covered in CI by GalleryImageUpgradeTest and AzureImageCatalogGalleryTest.
 */
class GalleryUpgradeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmulatedCluster cluster;

    @AfterEach
    void cleanUp() throws Exception {
        EmulatedCluster.close(cluster, null);
    }

    private List<InstanceSnapshot> agents() {
        return cluster.emulator().cloud().instances(cluster.emulator().settings().scaleSetName());
    }

    @Test
    @Tag("long")
    void aNewerGalleryVersionReimagesTheAgentOnTheOperatorsStartAndTheRecordThenKnowsIt() throws Exception {
        long t0 = System.nanoTime();
        UpgradeCalls.forgetUpgrade();
        EmulatedCluster.forgetCapacityHistory();
        cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "0"), emulator -> {
            String gallery = "/subscriptions/" + emulator.settings().subscriptionId()
                    + "/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/golden/images/agent";
            // The model names the gallery image before its first instance boots.
            emulator.cloud().update(emulator.settings().scaleSetName(), new ScaleSetChange(1L, null, null,
                    ImageReference.ofGallery(gallery)), null);
            return Map.of("HARBORMASTER_CAPACITY_MIN_AGENTS", "1", "HARBORMASTER_CAPACITY_MAX_AGENTS", "1");
        });
        cluster.await("one ready agent", cluster::nodes,
                nodes -> nodes.size() == 1 && nodes.values().stream().allMatch("ready"::equals), Duration.ofSeconds(60));
        assertEquals("1.0.0", agents().get(0).exactVersion());
        long ready = System.nanoTime();

        cluster.emulator().cloud().publishImageVersion(cluster.emulator().settings().scaleSetName(), "1.1.0");
        HttpResponse<String> started = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals(202, started.statusCode(), started.body());
        JsonNode body = JSON.readTree(started.body());
        assertEquals("1.1.0", body.path("imageVersion").asText(), started.body());
        assertEquals("reimage", body.path("instances").get(0).path("method").asText(), started.body());
        JsonNode done = cluster.await("the upgrade done", () -> UpgradeCalls.status(cluster),
                status -> !status.path("state").asText().equals("running"), Duration.ofSeconds(40));
        assertEquals("done", done.path("state").asText(), done.toString());
        assertEquals("1.1.0", agents().get(0).exactVersion(), "the reimaged disk is the new gallery version");

        HttpResponse<String> again = UpgradeCalls.post(cluster, "{\"action\":\"start\"}");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(done.path("upgradeId").asText(), JSON.readTree(again.body()).path("upgradeId").asText(),
                "no new upgrade: the record says the agent runs 1.1.0");
        System.out.printf("GalleryUpgradeIT: cluster and agent ready %d ms, upgrade %d ms%n",
                (ready - t0) / 1_000_000, (System.nanoTime() - ready) / 1_000_000);
    }
}
