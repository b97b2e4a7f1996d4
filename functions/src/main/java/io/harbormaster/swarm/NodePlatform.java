package io.harbormaster.swarm;

import java.util.Locale;

/**
 * A node's platform as its engine reports it ({@code Description.Platform}): {@code linux} and {@code x86_64} or
 * {@code aarch64}, what {@code node.platform.os} and {@code node.platform.arch} constraints match.
 */
public record NodePlatform(String os, String architecture) {
    /** What a node that reported no platform is matched as: swarmkit matches the empty string then. */
    public static final NodePlatform UNREPORTED = new NodePlatform("", "");
    public static final String LINUX = "linux";
    public static final String X86_64 = "x86_64";
    public static final String AARCH64 = "aarch64";
    /** Our agents' platform unless a pool says otherwise, and a node's when the code that made it read none. */
    public static final NodePlatform LINUX_X86_64 = new NodePlatform(LINUX, X86_64);

    public NodePlatform {
        os = os == null ? "" : os;
        architecture = architecture == null ? "" : architecture;
    }

    /** A Linux agent of the architecture, as a pool's new agent will report itself. */
    public static NodePlatform linux(String architecture) {
        return new NodePlatform(LINUX, architecture.toLowerCase(Locale.ROOT));
    }
}
