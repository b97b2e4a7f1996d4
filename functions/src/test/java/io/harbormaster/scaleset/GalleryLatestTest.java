package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which listed gallery image versions {@code latest} can mean in a region, and the newest of them by parts. */
class GalleryLatestTest {
    private static final String HERE = "westeurope";

    private static GalleryLatest.Version version(String name) {
        return new GalleryLatest.Version(name, "Succeeded", false, List.of(new GalleryLatest.Region("West Europe", false)));
    }

    @Test
    void theHighestByPartsWins() {
        assertEquals(Optional.of("1.0.10"), GalleryLatest.newest(List.of(version("1.0.9"), version("1.0.10"),
                version("1.0.2")), HERE));
        assertEquals(Optional.empty(), GalleryLatest.newest(List.of(), HERE));
    }

    @Test
    void anExcludedVersionDoesNotCountWhetherForAllRegionsOrForThisOne() {
        GalleryLatest.Version excluded = new GalleryLatest.Version("2.0.0", "Succeeded", true,
                List.of(new GalleryLatest.Region("West Europe", false)));
        GalleryLatest.Version hiddenHere = new GalleryLatest.Version("3.0.0", "Succeeded", false,
                List.of(new GalleryLatest.Region("West Europe", true), new GalleryLatest.Region("East US", false)));
        assertEquals(Optional.of("1.0.0"), GalleryLatest.newest(List.of(version("1.0.0"), excluded, hiddenHere), HERE));
        assertEquals(Optional.of("3.0.0"), GalleryLatest.newest(List.of(version("1.0.0"), excluded, hiddenHere),
                "eastus"), "hidden in West Europe only");
    }

    @Test
    void aVersionNotReplicatedHereOrNotSucceededDoesNotCount() {
        GalleryLatest.Version elsewhere = new GalleryLatest.Version("2.0.0", "Succeeded", false,
                List.of(new GalleryLatest.Region("East US", false)));
        GalleryLatest.Version replicating = new GalleryLatest.Version("3.0.0", "Creating", false,
                List.of(new GalleryLatest.Region("westeurope", false)));
        GalleryLatest.Version failed = new GalleryLatest.Version("4.0.0", "Failed", false, List.of());
        assertEquals(Optional.of("1.0.0"), GalleryLatest.newest(List.of(version("1.0.0"), elsewhere, replicating,
                failed), HERE));
        assertEquals(Optional.of("5.0.0"), GalleryLatest.newest(List.of(version("1.0.0"),
                new GalleryLatest.Version("5.0.0", "succeeded", false, null)), HERE), "no target regions listed");
    }
}
