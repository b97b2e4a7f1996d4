package io.harbormaster.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One thing the control plane decided or did, or a caller it refused, with its reason: a line of the audit trail.
 * Texts are made printable and bounded, and anything shaped like a swarm join token is blanked, so that no event can
 * carry a secret even if a message quoted one.
 *
 * @param subject what it is about: a node's hostname, an instance, the scale set, the caller's claimed identity
 * @param details a few named values (outcome, ids, counts); never a credential
 */
public record AuditEvent(Instant at, AuditKind kind, String subject, String reason, Map<String, String> details) {
    private static final Pattern JOIN_TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");
    private static final int MAX_TEXT = 500;

    public AuditEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        subject = clean(subject);
        reason = clean(reason);
        Map<String, String> cleaned = new LinkedHashMap<>();
        details.forEach((name, value) -> cleaned.put(clean(name), clean(value)));
        details = java.util.Collections.unmodifiableMap(cleaned);
    }

    public static AuditEvent of(Instant at, AuditKind kind, String subject, String reason, String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("details come in name, value pairs");
        }
        Map<String, String> details = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                details.put(namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return new AuditEvent(at, kind, subject, reason, details);
    }

    private static String clean(String text) {
        if (text == null) {
            return "";
        }
        String printable = JOIN_TOKEN.matcher(text).replaceAll("<redacted>").replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > MAX_TEXT ? printable.substring(0, MAX_TEXT) + "..." : printable;
    }
}
