package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real azure-resourcemanager-compute client against the emulated ARM, for a scale set whose model names a
 * compute gallery image: the newest version under latest (GalleryImageVersions_ListByGalleryImage, honouring
 * excludeFromLatest), and the version each VM runs (Disks_ListByResourceGroup's creationData), which the VM itself
 * does not report.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AzureImageCatalogGalleryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFINITION = "/subscriptions/" + EmulatorFixture.SUBSCRIPTION
            + "/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/golden/images/agent";
    private static final String VERSIONS = DEFINITION + "/versions";
    private static final String DISKS = "/resourceGroups/" + EmulatorFixture.RESOURCE_GROUP
            + "/providers/Microsoft.Compute/disks";

    private EmulatorFixture emulator;
    private AzureImageCatalog catalog;

    private void start(String mode, ImageReference image) throws Exception {
        emulator = new EmulatorFixture().withAgents(new ScaleSetSpec(EmulatorFixture.SCALE_SET, EmulatorFixture.LOCATION,
                EmulatorFixture.SKU, 2, List.of(), "Regular", null, EmulatorFixture.PREFIX, "", image, null, mode));
        catalog = new AzureImageCatalog(emulator.computeManager().serviceClient(), EmulatorFixture.TARGET,
                EmulatorFixture.FAST_POLICY);
    }

    @AfterEach
    void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private long requests(String pathSuffix) {
        return emulator.arm.requests().stream().filter(call -> call.is("GET", pathSuffix)).count();
    }

    private Map<String, String> cloudVersions() {
        Map<String, String> versions = new TreeMap<>();
        for (InstanceSnapshot vm : emulator.cloud.instances(EmulatorFixture.SCALE_SET)) {
            versions.put(vm.instanceId(), vm.exactVersion());
        }
        return versions;
    }

    @Test
    void aFlexibleVmsDiskTellsItsVersionAndLatestSkipsAnExcludedOne() throws Exception {
        start(ScaleSetSpec.FLEXIBLE, ImageReference.ofGallery(DEFINITION));
        AzureScaleSet scaleSet = emulator.scaleSet();
        assertEquals(Optional.of("1.0.0"), catalog.newestUnderLatest());
        assertTrue(scaleSet.instances().stream().allMatch(i -> i.imageVersion() == null && i.latestModelApplied()),
                "a gallery image's VM reports no exactVersion, and is on the model");
        assertEquals(Optional.of(cloudVersions()), catalog.runningVersions());
        assertEquals(2, cloudVersions().size());

        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "1.0.10");
        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "2.0.0", true);
        assertEquals(Optional.of("1.0.10"), catalog.newestUnderLatest(), "2.0.0 is excluded from latest");
        emulator.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(3L, null, null, null), null)
                .await(Duration.ofSeconds(5));
        Map<String, String> running = catalog.runningVersions().orElseThrow();
        assertEquals(cloudVersions(), running);
        assertEquals(List.of("1.0.0", "1.0.0", "1.0.10"), running.values().stream().sorted().toList(),
                "the new VM was made from the newest under latest");

        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "2.0.0", false);
        assertEquals(Optional.of("2.0.0"), catalog.newestUnderLatest(), "the exclusion can be lifted");
        assertEquals(3, requests(VERSIONS), "one version list per newest");
        assertEquals(2, requests(DISKS), "one disk list per read of the running versions");
    }

    @Test
    void aUniformInstancesDiskIsNotListedSoItsVersionIsUnknown() throws Exception {
        start(ScaleSetSpec.UNIFORM, ImageReference.ofGallery(DEFINITION + "/versions/latest"));
        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "1.1.0");
        assertEquals(Optional.of("1.1.0"), catalog.newestUnderLatest());
        assertEquals(Optional.of(Map.of()), catalog.runningVersions(), "a gallery model: present, and empty");
        assertTrue(emulator.scaleSet().instances().stream().allMatch(i -> i.imageVersion() == null));

        emulator.cloud.reimage(EmulatorFixture.SCALE_SET, List.of("0")).await(Duration.ofSeconds(5));
        assertEquals(Map.of("0", "1.1.0", "1", "1.0.0"), cloudVersions(), "a reimage takes the newest under latest");
    }

    @Test
    void aPinnedGalleryVersionOrAMarketplaceImageReadsNoVersionsOrDisks() throws Exception {
        start(ScaleSetSpec.FLEXIBLE, ImageReference.ofGallery(DEFINITION + "/versions/1.0.0"));
        assertEquals(Optional.empty(), catalog.newestUnderLatest());
        assertEquals(Optional.empty(), catalog.runningVersions());
        emulator.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(null, null, null,
                ImageReference.UBUNTU_24_04), null).await(Duration.ofSeconds(5));
        assertEquals(Optional.empty(), catalog.runningVersions());
        assertEquals(0, requests(VERSIONS) + requests(DISKS));
    }

    @Test
    void theListsAnswerTheSpecsShapesAndAnUnknownDefinitionIsNotFound() throws Exception {
        start(ScaleSetSpec.FLEXIBLE, ImageReference.ofGallery(DEFINITION));
        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "1.1.0", true);
        HttpResponse<String> listed = emulator.send("GET", VERSIONS + "?api-version=2024-03-03", null);
        assertEquals(200, listed.statusCode(), listed.body());
        JsonNode last = JSON.readTree(listed.body()).path("value").get(1);
        assertEquals("1.1.0", last.path("name").asText());
        assertTrue(last.path("properties").path("publishingProfile").path("excludeFromLatest").asBoolean());
        assertEquals(EmulatorFixture.LOCATION, last.path("properties").path("publishingProfile").path("targetRegions")
                .get(0).path("name").asText());
        assertEquals("Succeeded", last.path("properties").path("provisioningState").asText());

        HttpResponse<String> unknown = emulator.send("GET", VERSIONS.replace("/agent/", "/nothing/")
                + "?api-version=2024-03-03", null);
        assertEquals(404, unknown.statusCode());
        assertEquals("ParentResourceNotFound", JSON.readTree(unknown.body()).path("error").path("code").asText());
        assertEquals(400, emulator.send("GET", VERSIONS + "?api-version=" + EmulatorFixture.API_VERSION, null)
                .statusCode(), "GalleryRP's api-version, not ComputeRP's");

        HttpResponse<String> disks = emulator.send("GET", "/subscriptions/" + EmulatorFixture.SUBSCRIPTION + DISKS
                + "?api-version=2025-01-02", null);
        assertEquals(200, disks.statusCode(), disks.body());
        JsonNode disk = JSON.readTree(disks.body()).path("value").get(0);
        assertTrue(disk.path("managedBy").asText().contains("/virtualMachines/" + EmulatorFixture.SCALE_SET + "_"),
                disk.toString());
        assertEquals(DEFINITION + "/versions/1.0.0", disk.path("properties").path("creationData")
                .path("galleryImageReference").path("id").asText());
        assertNull(JSON.readTree(emulator.send("GET", "/subscriptions/" + EmulatorFixture.SUBSCRIPTION
                + "/resourceGroups/" + EmulatorFixture.RESOURCE_GROUP + "/providers/Microsoft.Compute/virtualMachines?"
                + "api-version=" + EmulatorFixture.API_VERSION, null).body()).path("value").get(0).path("properties")
                .path("storageProfile").path("imageReference").get("exactVersion"), "no exactVersion for a gallery image");
    }
}
