package io.harbormaster.emulator.cloud;

/** An instance's protectionPolicy {protectFromScaleIn, protectFromScaleSetActions}. */
public record ProtectionPolicy(boolean protectFromScaleIn, boolean protectFromScaleSetActions) {
}
