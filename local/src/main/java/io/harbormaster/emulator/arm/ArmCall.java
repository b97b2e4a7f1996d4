package io.harbormaster.emulator.arm;

import java.time.Instant;
import java.util.Map;

/**
 * One request the ARM surface received and the status it answered, for tests that count ARM calls. It keeps no Authorization header; the body is
 * kept in memory for tests of what the client sent, and toString leaves it out (custom data may carry secrets).
 */
public record ArmCall(
        String method, String path, String rawQuery, Map<String, String> query, String ifMatch, String body,
        Instant receivedAt, long receivedAtNanos, int status) {

    /** The method and the path, matched case-insensitively at its end, as ARM paths are case-insensitive. */
    public boolean is(String method, String pathSuffix) {
        return this.method.equals(method) && path.toLowerCase(java.util.Locale.ROOT)
                .endsWith(pathSuffix.toLowerCase(java.util.Locale.ROOT));
    }

    /** A poll of a long-running operation's status (Azure-AsyncOperation or Location URL). */
    public boolean isOperationPoll() {
        return method.equals("GET") && path.toLowerCase(java.util.Locale.ROOT).contains("/providers/microsoft.compute/locations/")
                && path.toLowerCase(java.util.Locale.ROOT).contains("/operations/");
    }

    public String pathAndQuery() {
        return rawQuery == null ? path : path + "?" + rawQuery;
    }

    @Override
    public String toString() {
        return receivedAt + " " + method + " " + pathAndQuery();
    }
}
