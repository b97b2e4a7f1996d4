package io.harbormaster.emulator.nodes;

/**
 * What a machine boots from: its VM name ({@code ss_3}), the hostname it takes ({@code computerName}) and the
 * cloud-config text from the model's custom data, already decoded.
 */
public record MachineSpec(String name, String computerName, String customData) {
}
