package io.harbormaster.trust;

import io.harbormaster.trust.OperatorSessions.Operator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;

/**
 * Who may see the status page, decided from a request's headers: in {@code key} mode the session cookie that a
 * login with the master key set; in {@code appservice} mode App Service authentication's principal carrying the
 * operator role. A refusal says what to answer; nothing here ever echoes a key, a cookie or a header's value.
 */
public final class OperatorAuth {
    public static final String COOKIE = "hm_operator";
    /** The cookie goes to the page's own routes only, never to the keyed API. */
    public static final String COOKIE_PATH = "/api/ui";
    public static final String PAGE_PATH = "/api/ui/";
    public static final String LOGIN_PAGE_PATH = "/api/ui/login.html";
    static final String PRINCIPAL_HEADER = "x-ms-client-principal";
    static final String PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name";

    /** What a check or a login came to. */
    public sealed interface Verdict permits Allowed, Refused {
    }

    /** The caller is this operator. */
    public record Allowed(Operator operator) implements Verdict {
    }

    /** The caller is not let in: the status to answer, a JSON error code and a message without secrets. */
    public record Refused(int status, String code, String message) implements Verdict {
    }

    private final OperatorAuthSettings settings;
    private final OperatorSessions sessions;

    public OperatorAuth(OperatorAuthSettings settings, OperatorSessions sessions) {
        this.settings = settings;
        this.sessions = sessions;
    }

    public OperatorAuthSettings.Mode mode() {
        return settings.mode();
    }

    /** The caller of a page or data request, by its headers (names in any case). */
    public Verdict check(Map<String, String> headers) {
        if (settings.mode() == OperatorAuthSettings.Mode.APPSERVICE) {
            Optional<AppServicePrincipal> principal = AppServicePrincipal.decode(
                    header(headers, PRINCIPAL_HEADER), header(headers, PRINCIPAL_NAME_HEADER));
            if (principal.isEmpty()) {
                return new Refused(401, "not_signed_in", "sign in through App Service authentication first");
            }
            if (!principal.get().roles().contains(settings.role())) {
                return new Refused(403, "not_an_operator", "the signed-in user lacks the app role " + settings.role());
            }
            return new Allowed(new Operator(principal.get().name(), "appservice"));
        }
        Optional<String> token = cookie(header(headers, "cookie"), COOKIE);
        if (token.isEmpty()) {
            return new Refused(401, "not_signed_in", "sign in with the operator key at " + LOGIN_PAGE_PATH);
        }
        Optional<Operator> operator;
        try {
            operator = sessions.verify(token.get());
        } catch (RuntimeException e) {
            // The stored trust key could not be read: nothing can be verified until storage answers.
            return new Refused(503, "storage_unavailable", "the session key could not be read from storage");
        }
        return operator.<Verdict>map(Allowed::new).orElseGet(() -> new Refused(401,
                "session_not_valid", "the session has expired or is not ours: sign in again at " + LOGIN_PAGE_PATH));
    }

    /** A login with the key the form posted: allowed only in {@code key} mode and for the local host's master key. */
    public Verdict login(String presentedKey) {
        if (settings.mode() != OperatorAuthSettings.Mode.KEY) {
            return new Refused(404, "key_login_off", OperatorAuthSettings.MODE
                    + " is appservice: operators sign in with Entra ID at /.auth/login/aad");
        }
        if (settings.operatorKey().isEmpty()) {
            return new Refused(503, "key_login_unavailable", OperatorAuthSettings.LOCAL_MASTER_KEY
                    + " is not set, so no key can be checked; in Azure set " + OperatorAuthSettings.MODE + "=appservice");
        }
        if (presentedKey == null || presentedKey.isEmpty()
                || !MessageDigest.isEqual(digest(presentedKey), digest(settings.operatorKey().get()))) {
            return new Refused(401, "bad_key", "that is not the operator key");
        }
        return new Allowed(new Operator("operator", "key"));
    }

    /** The Set-Cookie value of a new session: httpOnly, SameSite=Strict, Secure over https, for the page's routes. */
    public String sessionCookie(Operator operator, boolean https) {
        return COOKIE + "=" + sessions.issue(operator) + "; Path=" + COOKIE_PATH + "; Max-Age="
                + sessions.lifetime().toSeconds() + "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "");
    }

    /** The Set-Cookie value that ends a session in the browser. */
    public String clearedCookie(boolean https) {
        return COOKIE + "=; Path=" + COOKIE_PATH + "; Max-Age=0; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "");
    }

    /** Where a browser without a session is sent. */
    public String loginLocation() {
        return settings.mode() == OperatorAuthSettings.Mode.APPSERVICE
                ? "/.auth/login/aad?post_login_redirect_uri=" + PAGE_PATH
                : LOGIN_PAGE_PATH;
    }

    /** Where a browser goes after signing out: the sign-in form, or App Service's own sign-out. */
    public String logoutLocation() {
        return settings.mode() == OperatorAuthSettings.Mode.APPSERVICE
                ? "/.auth/logout?post_logout_redirect_uri=" + PAGE_PATH
                : LOGIN_PAGE_PATH;
    }

    static Optional<String> cookie(String header, String name) {
        if (header == null) {
            return Optional.empty();
        }
        // Browsers send one Cookie header, "a=1; b=2"; a host that joins repeated headers joins them with commas.
        for (String part : header.split("[;,]")) {
            int equals = part.indexOf('=');
            if (equals > 0 && part.substring(0, equals).trim().equals(name)) {
                String value = part.substring(equals + 1).trim();
                return value.isEmpty() ? Optional.empty() : Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static String header(Map<String, String> headers, String name) {
        String exact = headers.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, String> entry : headers.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return null;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "OperatorAuth[" + settings + "]";
    }
}
