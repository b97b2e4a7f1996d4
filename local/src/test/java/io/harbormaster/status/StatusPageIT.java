package io.harbormaster.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Request;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import com.microsoft.playwright.options.SameSiteAttribute;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainStatusStore;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.HeadlessChromium;
import io.harbormaster.testsupport.LocalServices;
import io.harbormaster.testsupport.TestService;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The status page in Debian's headless chromium, against an emulated cluster of two agents (the production scale
 * set adapter, the real swarm, Azurite): sign-in with the key, every node shown, a drain through the API on the page
 * within 3 s, refusals without a session, no secret anywhere the browser can see, and a screenshot each run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusPageIT {
    private static final Path SCREENSHOTS = Path.of("target", "status-page");

    private EmulatedCluster cluster;
    private HeadlessChromium chromium;
    private final List<TestService> services = new ArrayList<>();

    @BeforeAll
    void startClusterAndBrowser() throws Exception {
        chromium = HeadlessChromium.launch();
        cluster = EmulatedCluster.start(Map.of(EmulatorSettings.CAPACITY, "2"), Map.of());
        cluster.await("two agents ready", cluster::nodes,
                nodes -> nodes.values().stream().filter("ready"::equals).count() == 2, Duration.ofSeconds(180));
        // Something to draw: replicas on both agents, and a task no agent can ever place (it stays pending).
        services.add(TestService.create(cluster.manager(), cluster.prefix() + "-web", 5,
                "--constraint", "node.role==worker"));
        services.add(TestService.create(cluster.manager(), cluster.prefix() + "-api", 3,
                "--constraint", "node.role==worker"));
        services.add(TestService.create(cluster.manager(), cluster.prefix() + "-huge", 1,
                "--constraint", "node.role==worker", "--reserve-cpu", "64"));
        cluster.await("the web replicas running", () -> services.get(0).runningTasks().size(), n -> n == 5,
                Duration.ofSeconds(60));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            services.forEach(TestService::close);
            if (cluster != null) {
                // The drain this test started outlives its cluster in the suite's shared storage: forget it.
                BlobContainerClient statuses = new BlobServiceClientBuilder()
                        .connectionString(LocalServices.storageConnectionString()).buildClient()
                        .getBlobContainerClient(BlobDrainStatusStore.CONTAINER);
                for (String agent : List.of(cluster.prefix() + "000000", cluster.prefix() + "000001")) {
                    statuses.getBlobClient(DrainStatusStore.key(agent) + ".json").deleteIfExists();
                }
            }
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private String url(String path) {
        return cluster.host().uri(path).toString();
    }

    /** A fresh browser context, signed in through the login form as an operator would. */
    private Page signedIn(BrowserContext context) {
        Page page = context.newPage();
        page.navigate(url("/api/ui/"));
        assertTrue(page.url().endsWith("/api/ui/login.html"), page.url());
        page.fill("#key", cluster.masterKey());
        page.waitForNavigation(() -> page.click("button[type=submit]"));
        assertTrue(page.url().endsWith("/api/ui/"), page.url());
        return page;
    }

    /**
     * Polls {@code predicate} in the page every 20 ms until it holds. Playwright's waitForFunction would build the
     * predicate with eval, which the page's Content-Security-Policy forbids (as it should); evaluate is not eval.
     */
    private static void awaitTrue(Page page, String predicate, Object arg, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!Boolean.TRUE.equals(page.evaluate(predicate, arg))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeoutMillis + " ms: " + predicate + "\npage:\n"
                        + page.evaluate("() => document.body.innerText"));
            }
            page.waitForTimeout(20);
        }
    }

    /** Saves the whole page as target/status-page/NAME-<time>.png, and as NAME.png (the latest). */
    private static void screenshot(Page page, String name) throws java.io.IOException {
        Files.createDirectories(SCREENSHOTS);
        Path shot = SCREENSHOTS.resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                "yyyyMMdd-HHmmss")) + ".png");
        page.screenshot(new Page.ScreenshotOptions().setPath(shot).setFullPage(true));
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(shot) > 10_000, "a screenshot of the page: " + shot);
        System.out.println("status page: screenshot " + shot.toAbsolutePath());
    }

    private List<String> hostnamesShown(Page page) {
        @SuppressWarnings("unchecked")
        List<String> shown = (List<String>) page.evaluate(
                "() => Array.from(document.querySelectorAll('#nodes .node')).map(n => n.dataset.hostname)");
        return shown;
    }

    @Test
    @Order(1)
    void anUnauthenticatedLoadIsRefused() {
        try (BrowserContext context = chromium.browser().newContext()) {
            APIResponse bare = context.request().get(url("/api/ui/"), RequestOptions.create().setMaxRedirects(0));
            assertEquals(302, bare.status());
            assertEquals("/api/ui/login.html", bare.headers().get("location"));
            assertFalse(bare.text().contains("<main"), "no page without a session");
            Page page = context.newPage();
            page.navigate(url("/api/ui/"));
            assertTrue(page.url().endsWith("/api/ui/login.html"), "sent to sign in: " + page.url());
            assertEquals(0, page.locator("#nodes").count(), "no status drawn");

            APIResponse data = context.request().get(url("/api/ui/data"));
            assertEquals(401, data.status());
            assertTrue(data.text().contains("\"error\":\"not_signed_in\""), data.text());
            APIResponse forged = context.request().get(url("/api/ui/data"),
                    RequestOptions.create().setHeader("Cookie", "hm_operator=hmo1.e30.AAAA"));
            assertEquals(401, forged.status());

            APIResponse wrongKey = context.request().post(url("/api/ui/login"),
                    RequestOptions.create().setForm(
                            FormData.create().set("key", cluster.key())));
            assertEquals(401, wrongKey.status(), "the function key is not the operator's");
            assertTrue(wrongKey.text().contains("\"error\":\"bad_key\""), wrongKey.text());
            assertNull(wrongKey.headers().get("set-cookie"), "nothing set");
            assertTrue(context.cookies().isEmpty(), "no cookie in the browser");
        }
    }

    @Test
    @Order(2)
    void afterSignInThePageShowsEveryNodeAndNoSecret() throws Exception {
        try (BrowserContext context = chromium.browser().newContext(new com.microsoft.playwright.Browser.NewContextOptions()
                .setViewportSize(1440, 900))) {
            List<Request> requests = new ArrayList<>();
            List<String> responses = new java.util.concurrent.CopyOnWriteArrayList<>();
            context.onRequest(requests::add);
            // Read as each arrives: a document's body is gone once the browser has left it.
            context.onResponse(response -> responses.add(response.url() + " " + response.allHeaders()
                    + (response.status() >= 300 && response.status() < 400 ? "" : "\n" + response.text())));
            Page page = signedIn(context);

            // Every node the manager lists, this cluster's agents and the manager itself.
            List<String> expected = cluster.manager().run("node", "ls", "--format", "{{.Hostname}}").lines().toList();
            awaitTrue(page, "n => document.querySelectorAll('#nodes .node').length === n", expected.size(), 10_000);
            assertEquals(expected.stream().sorted().toList(), hostnamesShown(page).stream().sorted().toList());
            awaitTrue(page, "() => document.querySelectorAll('#nodes .task').length >= 8", null, 10_000);
            awaitTrue(page, "() => document.querySelector('#pending').textContent.includes('insufficient')", null, 10_000);

            Cookie session = context.cookies().stream().filter(c -> c.name.equals("hm_operator")).findFirst().orElseThrow();
            assertTrue(session.httpOnly, "httpOnly");
            assertEquals(SameSiteAttribute.STRICT, session.sameSite);
            assertEquals("/api/ui", session.path);
            assertEquals("", page.evaluate("() => document.cookie"), "the page's scripts cannot read the session");

            screenshot(page, "status-page");

            // From the keyboard: arrows move between node columns, "/" jumps to the filter, which narrows the columns.
            page.focus("#nodes .node");
            String first = (String) page.evaluate("() => document.activeElement.dataset.hostname");
            page.keyboard().press("ArrowRight");
            String second = (String) page.evaluate("() => document.activeElement.dataset.hostname");
            assertEquals(hostnamesShown(page).get(1), second, "ArrowRight from " + first);
            page.keyboard().press("/");
            assertEquals("filter", page.evaluate("() => document.activeElement.id"));
            page.keyboard().type(second);
            awaitTrue(page, "h => [...document.querySelectorAll('#nodes .node')].every(n => n.dataset.hostname.includes(h))",
                    second, 5_000);
            page.keyboard().press("Escape");
            awaitTrue(page, "n => document.querySelectorAll('#nodes .node').length === n", expected.size(), 5_000);

            // Nothing the browser got or sent holds a secret: the login form's one POST carries the key, once.
            List<String> secrets = List.of(cluster.masterKey(), cluster.key(), "SWMTKN-", "-----BEGIN");
            StringBuilder seen = new StringBuilder(page.content());
            // Copies: the page goes on polling while they are read, and Playwright adds to the lists as it does.
            for (Request request : List.copyOf(requests)) {
                boolean login = request.url().endsWith("/api/ui/login") && request.method().equals("POST");
                seen.append('\n').append(request.url()).append(' ').append(request.allHeaders());
                if (!login && request.postData() != null) {
                    seen.append(request.postData());
                }
            }
            responses.forEach(response -> seen.append('\n').append(response));
            assertTrue(requests.stream().anyMatch(r -> r.url().endsWith("/api/ui/app.js")), "the script was loaded");
            assertTrue(requests.stream().anyMatch(r -> r.url().endsWith("/api/ui/data")), "the data was polled");
            for (String secret : secrets) {
                assertFalse(seen.toString().contains(secret), "the browser saw a secret (" + secret.length()
                        + " characters, starting " + secret.substring(0, 5) + ")");
            }
            assertTrue(requests.stream().filter(r -> r.postData() != null && r.postData().contains(cluster.masterKey()))
                    .allMatch(r -> r.url().endsWith("/api/ui/login")), "the key went only to the login");
        }
    }

    @Test
    @Order(3)
    void aDrainStartedThroughTheApiShowsOnThePageWithin3Seconds() throws Exception {
        try (BrowserContext context = chromium.browser().newContext(new com.microsoft.playwright.Browser.NewContextOptions()
                .setViewportSize(1440, 900))) {
            Page page = signedIn(context);
            String agent = cluster.prefix() + "000000";
            awaitTrue(page, "h => [...document.querySelectorAll('#nodes .node')].some(n => n.dataset.hostname === h)",
                    agent, 10_000);
            long sent = System.nanoTime();
            HttpResponse<String> drain = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + agent))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"manual\"}")));
            long accepted = System.nanoTime();
            assertEquals(202, drain.statusCode(), drain.body());
            awaitTrue(page, "h => document.querySelector('#drains').textContent.includes(h)"
                    + " && document.querySelector('#nodes .node[data-hostname=\"' + h + '\"]').classList.contains('av-drain')",
                    agent, 10_000);
            long shown = System.nanoTime();
            long fromAccepted = (shown - accepted) / 1_000_000;
            System.out.printf("status page: drain shown %d ms after the 202 (%d ms after the request was sent)%n",
                    fromAccepted, (shown - sent) / 1_000_000);
            assertTrue(fromAccepted <= 3000, "the drain took " + fromAccepted + " ms to show");
            // The audit trail's events on the page too: the drain's request, with its reason.
            awaitTrue(page, "h => [...document.querySelectorAll('#events li')].some(li => li.textContent.includes('drain-state')"
                    + " && li.textContent.includes(h) && li.textContent.includes('to=requested'))", agent, 15_000);
            screenshot(page, "status-page-drain");
        }
    }
}
