package io.harbormaster.emulator.cloud;

import java.time.Instant;

/** One published version of a compute gallery image: its name, whether {@code latest} skips it, when it was published. */
public record GalleryImageVersion(String name, boolean excludeFromLatest, Instant publishedDate) {
}
