package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.capacity.CapacityPolicy;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DrainSettings;
import io.harbormaster.drain.DrainRequests;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.swarm.Node;
import io.harbormaster.swarm.Resources;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.InMemoryCapacityState;
import io.harbormaster.testsupport.InMemoryDrainQueue;
import io.harbormaster.testsupport.InMemoryDrainStatusStore;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.InMemorySwarm;
import io.harbormaster.testsupport.MutableClock;
import io.harbormaster.trust.OperatorAuth;
import io.harbormaster.trust.OperatorAuthSettings;
import io.harbormaster.trust.OperatorSessions;
import io.harbormaster.trust.TrustKey;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status page's routes as adapters: sign-in, the session cookie, the page, its files and its data. */
class StatusPageFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MASTER_KEY = "status-page-test-master-key-0123456789";
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final InMemorySwarm swarm = new InMemorySwarm(clock);
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryDrainStatusStore statuses = new InMemoryDrainStatusStore();
    private final CapacityCheck check = new CapacityCheck(swarm, scaleSet, statuses,
            new DrainRequests(swarm, statuses, new InMemoryDrainQueue(clock), new DrainSettings(Duration.ofSeconds(2),
                    Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofDays(7)),
                    Optional.of(scaleSet), clock, AuditTrail.NONE),
            new InMemoryCapacityState(clock), CapacityPolicy.DEFAULTS, clock, AuditTrail.NONE, ControlPlaneMetrics.global());
    private final OperatorAuth auth = auth(Map.of(OperatorAuthSettings.LOCAL_MASTER_KEY, MASTER_KEY));
    private final StatusPageFunction page = new StatusPageFunction(auth, Optional.of(check));
    private final OperatorLoginFunction login = new OperatorLoginFunction(auth);

    private OperatorAuth auth(Map<String, String> settings) {
        OperatorAuthSettings read = OperatorAuthSettings.from(new AppSettings(settings));
        TrustKey key = TrustKey.generate();
        return new OperatorAuth(read, new OperatorSessions(() -> key, read.sessionLifetime(), clock));
    }

    private static LocalHttpRequest<Optional<String>> request(String path, HttpMethod method, Map<String, String> headers,
            String body) {
        return new LocalHttpRequest<>(URI.create("http://localhost:7071" + path), method, headers, Map.of(),
                Optional.ofNullable(body));
    }

    private HttpResponseMessage asset(String asset, Map<String, String> headers) {
        return page.page(request("/api/ui/" + asset, HttpMethod.GET, headers, null), asset,
                LocalExecutionContext.newInvocation("statusPage", null, null));
    }

    private HttpResponseMessage data(Map<String, String> headers) {
        return page.data(request("/api/ui/data", HttpMethod.GET, headers, null),
                LocalExecutionContext.newInvocation("statusPageData", null, null));
    }

    private HttpResponseMessage signIn(String contentType, String body) {
        Map<String, String> headers = new HashMap<>();
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        return login.login(request("/api/ui/login", HttpMethod.POST, headers, body),
                LocalExecutionContext.newInvocation("statusPageLogin", null, null));
    }

    private static JsonNode body(HttpResponseMessage response) throws Exception {
        return JSON.readTree(String.valueOf(response.getBody()));
    }

    private static String cookieOf(HttpResponseMessage response) {
        String setCookie = response.getHeader("Set-Cookie");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    @Test
    void withoutASessionThePageSendsTheBrowserToSignInAndTheDataIs401() throws Exception {
        HttpResponseMessage redirected = asset("", Map.of());
        assertEquals(302, redirected.getStatusCode());
        assertEquals("/api/ui/login.html", redirected.getHeader("Location"));
        assertEquals(302, asset("index.html", Map.of("x-functions-key", MASTER_KEY)).getStatusCode(),
                "a key header is no session");
        HttpResponseMessage refused = data(Map.of());
        assertEquals(401, refused.getStatusCode());
        assertEquals("not_signed_in", body(refused).path("error").asText());
        assertEquals(401, data(Map.of("cookie", "hm_operator=hmo1.eyJ9.AAAA")).getStatusCode());

        HttpResponseMessage form = asset("login.html", Map.of());
        assertEquals(200, form.getStatusCode());
        assertTrue(form.getHeader("Content-Type").startsWith("text/html"));
        assertEquals(StatusPageFunction.CONTENT_SECURITY_POLICY, form.getHeader("Content-Security-Policy"));
        assertEquals(200, asset("app.js", Map.of()).getStatusCode());
        assertEquals(200, asset("style.css", Map.of()).getStatusCode());
        assertEquals(404, asset("../../host.json", Map.of()).getStatusCode());
        assertEquals("not_found", body(asset("secrets.json", Map.of())).path("error").asText());
    }

    @Test
    void aWrongKeyIs401WithNothingSetAndABadBodyIs400() throws Exception {
        HttpResponseMessage wrong = signIn("application/x-www-form-urlencoded", "key=not-the-key");
        assertEquals(401, wrong.getStatusCode());
        assertEquals("bad_key", body(wrong).path("error").asText());
        assertNull(wrong.getHeader("Set-Cookie"));
        assertEquals(401, signIn("application/json", "{\"key\":\"" + MASTER_KEY + "-\"}").getStatusCode());
        for (String bad : new String[] {null, "", "code=" + MASTER_KEY, "key="}) {
            HttpResponseMessage reply = signIn("application/x-www-form-urlencoded", bad);
            assertEquals(400, reply.getStatusCode(), String.valueOf(bad));
            assertNull(reply.getHeader("Set-Cookie"));
            assertFalse(String.valueOf(reply.getBody()).contains(MASTER_KEY));
        }
        assertEquals(400, signIn("application/json", "{\"key\":3}").getStatusCode());
        assertEquals(400, signIn("text/plain", MASTER_KEY).getStatusCode());
    }

    @Test
    void theRightKeyGivesASessionCookieThatOpensThePageAndItsData() throws Exception {
        swarm.addNode(new Node("n1", 1, "agent000001", SwarmRole.WORKER, Node.Availability.ACTIVE, Node.State.READY,
                Map.of(), new Resources(2_000_000_000L, 7L << 30), T0));
        HttpResponseMessage signedIn = signIn("application/x-www-form-urlencoded",
                "key=" + java.net.URLEncoder.encode(MASTER_KEY, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(303, signedIn.getStatusCode());
        assertEquals("/api/ui/", signedIn.getHeader("Location"));
        String setCookie = signedIn.getHeader("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        assertFalse(setCookie.contains("Secure"), "served over http here");
        assertFalse(setCookie.contains(MASTER_KEY));
        Map<String, String> browser = Map.of("cookie", cookieOf(signedIn));

        HttpResponseMessage shown = asset("", browser);
        assertEquals(200, shown.getStatusCode());
        assertEquals("no-store", shown.getHeader("Cache-Control"));
        HttpResponseMessage polled = data(browser);
        assertEquals(200, polled.getStatusCode(), String.valueOf(polled.getBody()));
        assertEquals("agent000001", body(polled).path("nodes").get(0).path("hostname").asText());
        assertTrue(body(polled).path("tasksByNode").has("n1"));

        HttpResponseMessage overHttps = login.login(new LocalHttpRequest<>(URI.create("http://localhost/api/ui/login"),
                HttpMethod.POST, Map.of("content-type", "application/json", "x-forwarded-proto", "https"), Map.of(),
                Optional.of("{\"key\":\"" + MASTER_KEY + "\"}")), LocalExecutionContext.newInvocation("l", null, null));
        assertEquals(200, overHttps.getStatusCode());
        assertTrue(overHttps.getHeader("Set-Cookie").endsWith("; Secure"));

        HttpResponseMessage out = login.logout(request("/api/ui/logout", HttpMethod.POST, browser, null),
                LocalExecutionContext.newInvocation("statusPageLogout", null, null));
        assertEquals(303, out.getStatusCode());
        assertTrue(out.getHeader("Set-Cookie").contains("Max-Age=0"));
    }

    @Test
    void behindAppServiceAuthenticationThePageSendsToEntraAndKeyLoginIsOff() throws Exception {
        OperatorAuth entra = auth(Map.of(OperatorAuthSettings.MODE, "appservice"));
        HttpResponseMessage redirected = new StatusPageFunction(entra, Optional.of(check)).page(
                request("/api/ui/", HttpMethod.GET, Map.of(), null), "", LocalExecutionContext.newInvocation("p", null, null));
        assertEquals(302, redirected.getStatusCode());
        assertEquals("/.auth/login/aad?post_login_redirect_uri=/api/ui/", redirected.getHeader("Location"));
        HttpResponseMessage keyLogin = new OperatorLoginFunction(entra).login(request("/api/ui/login", HttpMethod.POST,
                Map.of("content-type", "application/json"), "{\"key\":\"" + MASTER_KEY + "\"}"),
                LocalExecutionContext.newInvocation("l", null, null));
        assertEquals(404, keyLogin.getStatusCode());
        assertNull(keyLogin.getHeader("Set-Cookie"));
    }

    @Test
    void withoutAScaleSetTheDataIs409() throws Exception {
        HttpResponseMessage signedIn = signIn("application/json", "{\"key\":\"" + MASTER_KEY + "\"}");
        HttpResponseMessage reply = new StatusPageFunction(auth, Optional.empty()).data(request("/api/ui/data",
                HttpMethod.GET, Map.of("cookie", cookieOf(signedIn)), null), LocalExecutionContext.newInvocation("d", null, null));
        assertEquals(409, reply.getStatusCode());
        assertEquals("no_scale_set", body(reply).path("error").asText());
    }
}
