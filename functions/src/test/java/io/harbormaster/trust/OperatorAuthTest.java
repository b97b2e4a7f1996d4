package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorAuthTest {
    private static final String MASTER_KEY = "operator-auth-test-master-key-0123456789";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final TrustKey key = TrustKey.generate();

    private OperatorAuth auth(Map<String, String> values) {
        OperatorAuthSettings settings = OperatorAuthSettings.from(new AppSettings(values));
        return new OperatorAuth(settings, new OperatorSessions(() -> key, settings.sessionLifetime(), clock));
    }

    /** X-MS-CLIENT-PRINCIPAL as App Service writes it, with the given role claims. */
    private static String principal(String roleType, String... roles) {
        StringBuilder claims = new StringBuilder("{\"typ\":\"name\",\"val\":\"alice@example.com\"}");
        for (String role : roles) {
            claims.append(",{\"typ\":\"").append(roleType).append("\",\"val\":\"").append(role).append("\"}");
        }
        String json = "{\"auth_typ\":\"aad\",\"claims\":[" + claims + "],\"name_typ\":\"name\",\"role_typ\":\""
                + AppServicePrincipal.ROLE_CLAIM_URI + "\"}";
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keyLoginSetsAStrictHttpOnlyCookieThatHoldsNoKeyAndLetsTheBrowserIn() {
        OperatorAuth auth = auth(Map.of(OperatorAuthSettings.LOCAL_MASTER_KEY, MASTER_KEY));
        OperatorAuth.Allowed allowed = assertInstanceOf(OperatorAuth.Allowed.class, auth.login(MASTER_KEY));
        String cookie = auth.sessionCookie(allowed.operator(), false);
        assertTrue(cookie.startsWith("hm_operator=hmo1."), cookie);
        assertTrue(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict") && cookie.contains("; Path=/api/ui"),
                cookie);
        assertTrue(cookie.contains("; Max-Age=28800"), cookie);
        assertFalse(cookie.contains("Secure"), "plain http locally");
        assertTrue(auth.sessionCookie(allowed.operator(), true).endsWith("; Secure"));
        assertFalse(cookie.contains(MASTER_KEY));

        String value = cookie.substring("hm_operator=".length(), cookie.indexOf(';'));
        assertInstanceOf(OperatorAuth.Allowed.class, auth.check(Map.of("cookie", "theme=dark; hm_operator=" + value)));
        clock.advance(Duration.ofHours(9));
        assertEquals("session_not_valid", refused(auth.check(Map.of("cookie", "hm_operator=" + value))).code());
    }

    @Test
    void aWrongOrMissingKeyIsRefusedAndNoCookieMeansNoEntry() {
        OperatorAuth auth = auth(Map.of(OperatorAuthSettings.LOCAL_MASTER_KEY, MASTER_KEY));
        assertEquals(401, refused(auth.login("wrong")).status());
        assertEquals("bad_key", refused(auth.login(MASTER_KEY + "x")).code());
        assertEquals(401, refused(auth.login("")).status());
        assertEquals("not_signed_in", refused(auth.check(Map.of())).code());
        assertEquals("session_not_valid", refused(auth.check(Map.of("Cookie", "hm_operator=hmo1.forged.mac"))).code());
        assertEquals(OperatorAuth.LOGIN_PAGE_PATH, auth.loginLocation());
    }

    @Test
    void inKeyModeAppServiceHeadersCountForNothing() {
        // Without App Service authentication in front, anyone could write these headers.
        OperatorAuth auth = auth(Map.of(OperatorAuthSettings.LOCAL_MASTER_KEY, MASTER_KEY));
        assertEquals(401, refused(auth.check(Map.of("x-ms-client-principal", principal("roles", "Harbormaster.Operator"),
                "x-ms-client-principal-name", "mallory"))).status());
    }

    @Test
    void withoutTheLocalMasterKeyKeyLoginIsUnavailable() {
        OperatorAuth auth = auth(Map.of());
        assertEquals("key_login_unavailable", refused(auth.login("anything")).code());
        assertEquals(503, refused(auth.login("anything")).status());
    }

    @Test
    void appServiceModeAdmitsUsersWithTheRoleOnly() {
        OperatorAuth auth = auth(Map.of(OperatorAuthSettings.MODE, "appservice", OperatorAuthSettings.LOCAL_MASTER_KEY, MASTER_KEY));
        OperatorAuth.Allowed allowed = assertInstanceOf(OperatorAuth.Allowed.class, auth.check(Map.of(
                "X-MS-CLIENT-PRINCIPAL", principal("roles", "Harbormaster.Operator"),
                "X-MS-CLIENT-PRINCIPAL-NAME", "alice@example.com")));
        assertEquals("alice@example.com", allowed.operator().name());
        assertEquals("appservice", allowed.operator().via());
        assertInstanceOf(OperatorAuth.Allowed.class, auth.check(Map.of("x-ms-client-principal",
                principal(AppServicePrincipal.ROLE_CLAIM_URI, "Harbormaster.Operator"))));
        assertEquals(403, refused(auth.check(Map.of("x-ms-client-principal", principal("roles", "Reader")))).status());
        assertEquals(401, refused(auth.check(Map.of())).status());
        assertEquals(401, refused(auth.check(Map.of("x-ms-client-principal", "not base64 json"))).status());
        assertEquals("key_login_off", refused(auth.login(MASTER_KEY)).code(), "no key login behind Entra ID");
        // A key login's cookie is no way in either.
        assertEquals(401, refused(auth.check(Map.of("cookie", "hm_operator=" + new OperatorSessions(() -> key,
                Duration.ofHours(1), clock).issue(new OperatorSessions.Operator("operator", "key"))))).status());
        assertTrue(auth.loginLocation().startsWith("/.auth/login/aad?post_login_redirect_uri="));
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals(OperatorAuthSettings.MODE, assertThrows(InvalidSettingException.class,
                () -> OperatorAuthSettings.from(new AppSettings(Map.of(OperatorAuthSettings.MODE, "open")))).setting());
        assertEquals(OperatorAuthSettings.SESSION_LIFETIME, assertThrows(InvalidSettingException.class,
                () -> OperatorAuthSettings.from(new AppSettings(Map.of(OperatorAuthSettings.SESSION_LIFETIME, "30d")))).setting());
        assertEquals(OperatorAuthSettings.ROLE, assertThrows(InvalidSettingException.class,
                () -> OperatorAuthSettings.from(new AppSettings(Map.of(OperatorAuthSettings.ROLE, "a b")))).setting());
        assertFalse(OperatorAuthSettings.from(new AppSettings(Map.of(OperatorAuthSettings.LOCAL_MASTER_KEY, MASTER_KEY)))
                .toString().contains(MASTER_KEY));
    }

    private static OperatorAuth.Refused refused(OperatorAuth.Verdict verdict) {
        return assertInstanceOf(OperatorAuth.Refused.class, verdict);
    }
}
