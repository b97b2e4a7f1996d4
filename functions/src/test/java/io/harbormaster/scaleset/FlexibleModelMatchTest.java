package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.scaleset.FlexibleModelMatch.Image;
import io.harbormaster.scaleset.FlexibleModelMatch.Look;
import org.junit.jupiter.api.Test;

class FlexibleModelMatchTest {
    private static final Image UBUNTU_LATEST = new Image("Canonical", "ubuntu-24_04-lts", "server", "latest", null);
    private static final Look MODEL = new Look("Standard_D2s_v5", UBUNTU_LATEST, null);

    private static Look vm(String size, String sku, String version, String exactVersion) {
        return new Look(size, new Image("canonical", "ubuntu-24_04-lts", sku, version, null), exactVersion);
    }

    @Test
    void theSameSizeAndImageUnderLatestIsOnTheModelWhateverVersionItRuns() {
        assertTrue(FlexibleModelMatch.onModel(vm("standard_d2s_v5", "server", "latest", "24.04.202401010"), MODEL));
    }

    @Test
    void anotherSizeIsBehind() {
        assertFalse(FlexibleModelMatch.onModel(vm("Standard_D4s_v5", "server", "latest", "24.04.1"), MODEL));
    }

    @Test
    void anotherImageSkuIsBehind() {
        assertFalse(FlexibleModelMatch.onModel(vm("Standard_D2s_v5", "server-arm64", "latest", "24.04.1"), MODEL));
    }

    @Test
    void aPinnedVersionIsComparedWithWhatTheVmRuns() {
        Look pinned = new Look("Standard_D2s_v5",
                new Image("Canonical", "ubuntu-24_04-lts", "server", "24.04.202402020", null), null);
        assertTrue(FlexibleModelMatch.onModel(vm("Standard_D2s_v5", "server", "latest", "24.04.202402020"), pinned));
        assertFalse(FlexibleModelMatch.onModel(vm("Standard_D2s_v5", "server", "latest", "24.04.202401010"), pinned));
    }

    @Test
    void aGalleryImageIsComparedByItsId() {
        String id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/agent/versions/1.2.0";
        Look model = new Look("Standard_D2s_v5", new Image(null, null, null, null, id), null);
        assertTrue(FlexibleModelMatch.onModel(new Look("Standard_D2s_v5",
                new Image(null, null, null, null, id.toLowerCase()), "1.2.0"), model));
        assertFalse(FlexibleModelMatch.onModel(new Look("Standard_D2s_v5",
                new Image(null, null, null, null, id.replace("1.2.0", "1.1.0")), "1.1.0"), model));
    }

    @Test
    void aGalleryDefinitionUnderLatestMatchesAnyVersionOfItsOwn() {
        String definition = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/agent";
        for (String modelId : new String[] {definition, definition + "/versions/latest"}) {
            Look model = new Look("Standard_D2s_v5", new Image(null, null, null, null, modelId), null);
            for (String vmId : new String[] {definition, definition + "/versions/latest", definition + "/versions/1.0.0"}) {
                assertTrue(FlexibleModelMatch.onModel(new Look("Standard_D2s_v5",
                        new Image(null, null, null, null, vmId.toUpperCase()), null), model), modelId + " ~ " + vmId);
            }
            assertFalse(FlexibleModelMatch.onModel(new Look("Standard_D2s_v5",
                    new Image(null, null, null, null, definition.replace("/agent", "/other")), null), model));
        }
    }

    @Test
    void aVmWithoutAnImageReferenceIsBehindAModelThatNamesOne() {
        assertFalse(FlexibleModelMatch.onModel(new Look("Standard_D2s_v5", null, null), MODEL));
    }

    @Test
    void whatTheModelLeavesOutIsNotCompared() {
        assertTrue(FlexibleModelMatch.onModel(vm("Standard_D4s_v5", "other", "1", "1"), new Look(null, null, null)));
    }
}
