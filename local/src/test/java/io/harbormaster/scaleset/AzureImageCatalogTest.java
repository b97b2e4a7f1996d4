package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real azure-resourcemanager-compute client against the emulated ARM: the newest image version under a
 * {@code latest} model (VirtualMachineImages_List), and each instance's {@code exactVersion}, before and after a
 * newer version is published and one instance reimaged.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AzureImageCatalogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIRST = "24.04.202501010";
    private static final String VERSIONS = "/providers/Microsoft.Compute/locations/" + EmulatorFixture.LOCATION
            + "/publishers/Canonical/artifacttypes/vmimage/offers/ubuntu-24_04-lts/skus/server/versions";

    private EmulatorFixture emulator;
    private AzureImageCatalog catalog;
    private AzureScaleSet scaleSet;

    @BeforeEach
    void start() throws Exception {
        emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(2));
        catalog = new AzureImageCatalog(emulator.computeManager().serviceClient(), EmulatorFixture.TARGET,
                EmulatorFixture.FAST_POLICY);
        scaleSet = emulator.scaleSet();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private long requests(String pathSuffix) {
        return emulator.arm.requests().stream().filter(call -> call.is("GET", pathSuffix)).count();
    }

    @Test
    void theNewestPublishedVersionByPartsIsWhatLatestMeansAndAReimageTakesIt() {
        assertEquals(Optional.of(FIRST), catalog.newestUnderLatest());
        assertTrue(scaleSet.instances().stream().allMatch(i -> FIRST.equals(i.imageVersion())), "exactVersion");

        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "24.04.99");
        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "24.04.202502010");
        assertEquals(Optional.of("24.04.202502010"), catalog.newestUnderLatest(), "24.04.99 sorts last as text only");
        assertEquals(2, requests(VERSIONS), "one list per read");
        assertTrue(scaleSet.instances().stream().allMatch(ScaleSetInstance::latestModelApplied),
                "a new image does not change the model");

        emulator.cloud.reimage(EmulatorFixture.SCALE_SET, List.of("0")).await(Duration.ofSeconds(5));
        List<ScaleSetInstance> instances = scaleSet.instances();
        assertEquals("24.04.202502010", instances.get(0).imageVersion(), "the reimaged disk is the newest");
        assertEquals(FIRST, instances.get(1).imageVersion());
    }

    @Test
    void aPinnedVersionListsNothing() {
        emulator.cloud.update(EmulatorFixture.SCALE_SET, new ScaleSetChange(null, null, null,
                new ImageReference("Canonical", "ubuntu-24_04-lts", "server", FIRST)), null).await(Duration.ofSeconds(5));
        assertEquals(Optional.empty(), catalog.newestUnderLatest());
        assertEquals(0, requests(VERSIONS));
    }

    @Test
    void theListAnswersOrderByAndTopAndAnUnknownImageIsNotFound() throws Exception {
        emulator.cloud.publishImageVersion(EmulatorFixture.SCALE_SET, "24.04.99");
        String path = "/subscriptions/" + EmulatorFixture.SUBSCRIPTION + VERSIONS + "?api-version="
                + EmulatorFixture.API_VERSION;
        HttpResponse<String> top = emulator.send("GET", path + "&$orderby=name%20desc&$top=1", null);
        assertEquals(200, top.statusCode(), top.body());
        JsonNode list = JSON.readTree(top.body());
        assertEquals(1, list.size());
        assertEquals("24.04.99", list.get(0).path("name").asText(), "text order, as ARM's $orderby");
        assertEquals(EmulatorFixture.LOCATION, list.get(0).path("location").asText());
        assertTrue(list.get(0).path("id").asText().endsWith("/Versions/24.04.99"), list.toString());

        HttpResponse<String> unknown = emulator.send("GET", path.replace("/skus/server/", "/skus/no-such-sku/"), null);
        assertEquals(404, unknown.statusCode());
        assertEquals("NotFound", JSON.readTree(unknown.body()).path("error").path("code").asText());
    }
}
