package io.harbormaster.emulator.identity;

/**
 * Turns on TCP_NODELAY for the JDK HTTP server unless someone chose otherwise: without it each answer waits about
 * 40 ms for a delayed ACK (/work/shared/notes/http-on-loopback.md). The server reads the property once, so this must
 * run before the first server is created.
 */
public final class NoDelay {
    private NoDelay() {
    }

    public static void ensure() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
}
