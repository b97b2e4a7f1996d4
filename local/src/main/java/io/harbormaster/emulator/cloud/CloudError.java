package io.harbormaster.emulator.cloud;

/** The error a failed long-running operation reports in its status document. */
public record CloudError(String code, String message) {
}
