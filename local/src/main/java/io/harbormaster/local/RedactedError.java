package io.harbormaster.local;

import java.util.regex.Pattern;

/** Describes a failure for the log without account keys, SAS signatures or connection strings. */
public final class RedactedError {
    private static final Pattern SECRET = Pattern.compile(
            "(?i)(AccountKey|SharedAccessSignature|SharedAccessKey|sig|Signature|Authorization)(\\s*[=:]\\s*)[^;&\\s,\"']+");
    private static final int MAX_CAUSES = 4;

    private RedactedError() {
    }

    /** The exception types and messages of the cause chain, secrets replaced by "***"; no stack trace. */
    public static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        Throwable current = error;
        for (int i = 0; current != null && i < MAX_CAUSES; i++, current = current.getCause()) {
            if (i > 0) {
                text.append(" <- ");
            }
            text.append(current.getClass().getSimpleName());
            if (current.getMessage() != null) {
                String message = current.getMessage().lines().findFirst().orElse("");
                text.append(": ").append(redact(message));
            }
        }
        return text.toString();
    }

    public static String redact(String text) {
        return SECRET.matcher(text).replaceAll("$1$2***");
    }
}
