package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Gallery image ids as a model and a disk give them: which mean latest, and which version a version id names. */
class GalleryImageTest {
    private static final String DEFINITION =
            "/subscriptions/sub/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/g/images/agent";

    @Test
    void aDefinitionOrItsLatestVersionLeavesTheVersionToAzure() {
        GalleryImage image = GalleryImage.parse(DEFINITION).orElseThrow();
        assertEquals(new GalleryImage("sub", "images-rg", "g", "agent", null), image);
        assertTrue(image.latest());
        assertTrue(GalleryImage.parse(DEFINITION + "/versions/latest").orElseThrow().latest());
        assertFalse(GalleryImage.parse(DEFINITION + "/versions/1.2.3").orElseThrow().latest());
        assertTrue(GalleryImage.parse(DEFINITION.toLowerCase()).isPresent(), "ARM ids compare case-insensitively");
    }

    @Test
    void otherImageIdsAreNoGalleryImage() {
        assertEquals(Optional.empty(), GalleryImage.parse(null));
        assertEquals(Optional.empty(), GalleryImage.parse(
                "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/images/managed"));
        assertEquals(Optional.empty(), GalleryImage.parse("/SharedGalleries/uniq/Images/agent/Versions/1.0.0"));
    }

    @Test
    void aVersionIdNamesItsVersionAndTheDefinitionItBelongsTo() {
        assertEquals(Optional.of("1.2.3"), GalleryImage.versionOf(DEFINITION + "/versions/1.2.3"));
        assertEquals(Optional.of("1.2.3"), GalleryImage.versionOf(DEFINITION.toUpperCase() + "/Versions/1.2.3"));
        assertEquals(Optional.empty(), GalleryImage.versionOf(DEFINITION));
        assertEquals(Optional.empty(), GalleryImage.versionOf(DEFINITION + "/versions/latest"));
        GalleryImage image = GalleryImage.parse(DEFINITION).orElseThrow();
        assertTrue(image.sameDefinition(DEFINITION.toUpperCase() + "/versions/2.0.0"));
        assertFalse(image.sameDefinition(DEFINITION.replace("/agent", "/other") + "/versions/2.0.0"));
    }
}
