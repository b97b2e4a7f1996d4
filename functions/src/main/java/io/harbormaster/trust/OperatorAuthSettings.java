package io.harbormaster.trust;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How operators sign in to the status page: {@code key} (a login form takes the local host's master key once and
 * answers a session cookie) or {@code appservice} (Entra ID through App Service authentication, whose
 * X-MS-CLIENT-PRINCIPAL header is read only in this mode). {@code operatorKey} is the key the form accepts, when
 * the local host has one; {@code trustKey} the setting's key, else the one kept in storage signs the sessions.
 */
public record OperatorAuthSettings(Mode mode, Duration sessionLifetime, String role, Optional<String> operatorKey,
        Optional<TrustKey> trustKey) {
    public static final String MODE = "HARBORMASTER_STATUS_PAGE_AUTH";
    public static final String SESSION_LIFETIME = "HARBORMASTER_STATUS_PAGE_SESSION_LIFETIME";
    public static final String ROLE = "HARBORMASTER_STATUS_PAGE_ROLE";
    /** The local host's master key (local/'s LocalHostSettings reads it too): what the login form compares with. */
    public static final String LOCAL_MASTER_KEY = "HARBORMASTER_LOCAL_MASTER_KEY";
    public static final String DEFAULT_ROLE = "Harbormaster.Operator";
    private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    /** Where the operator's identity comes from. */
    public enum Mode { KEY, APPSERVICE }

    public static OperatorAuthSettings from(AppSettings settings) {
        String raw = settings.optional(MODE, "key").trim().toLowerCase(Locale.ROOT);
        Mode mode = switch (raw) {
            case "key" -> Mode.KEY;
            case "appservice" -> Mode.APPSERVICE;
            default -> throw new InvalidSettingException(MODE, "is '" + raw + "': expected key (a login form takes the"
                    + " master key; local host) or appservice (Entra ID through App Service authentication; Azure)");
        };
        Duration lifetime = settings.duration(SESSION_LIFETIME, Duration.ofHours(8), Duration.ofMinutes(5),
                Duration.ofHours(24));
        String role = settings.optional(ROLE, DEFAULT_ROLE).trim();
        if (!ROLE_NAME.matcher(role).matches()) {
            throw new InvalidSettingException(ROLE, "is '" + role + "': expected an app role's value such as "
                    + DEFAULT_ROLE + " (letters, digits, '.', '_', '-')");
        }
        return new OperatorAuthSettings(mode, lifetime, role, settings.optional(LOCAL_MASTER_KEY).filter(k -> !k.isEmpty()),
                TrustSettings.key(settings));
    }

    @Override
    public String toString() {
        return "OperatorAuthSettings[mode=" + mode.name().toLowerCase(Locale.ROOT) + ", sessionLifetime=" + sessionLifetime
                + (mode == Mode.APPSERVICE ? ", role=" + role : ", key login " + (operatorKey.isPresent() ? "on" : "off"))
                + "]";
    }
}
