package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's chromium, headless, driven by Playwright for Java. Playwright never downloads a browser here
 * ({@code PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1}); it launches the system one (scripts/test.sh installs the package).
 * A browser that cannot start fails the test under CI=true, and only aborts it on a developer's machine.
 */
public final class HeadlessChromium implements AutoCloseable {
    /** Debian's package puts it here; {@code HARBORMASTER_CHROMIUM} names another. */
    public static final Path DEFAULT_EXECUTABLE = Path.of("/usr/bin/chromium");

    private final Playwright playwright;
    private final Browser browser;

    private HeadlessChromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    public static HeadlessChromium launch() {
        Path executable = Path.of(System.getenv().getOrDefault("HARBORMASTER_CHROMIUM", DEFAULT_EXECUTABLE.toString()));
        if (!Files.isExecutable(executable)) {
            unavailable("chromium is not installed at " + executable + " (apt-get install -y chromium; scripts/test.sh does)");
        }
        Playwright playwright = null;
        try {
            playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(executable)
                    .setHeadless(true)
                    // As root (CI, dev machines here) chromium's sandbox refuses to start.
                    .setChromiumSandbox(false)
                    .setArgs(List.of("--disable-dev-shm-usage", "--disable-gpu")));
            return new HeadlessChromium(playwright, browser);
        } catch (PlaywrightException e) {
            if (playwright != null) {
                playwright.close();
            }
            unavailable("chromium at " + executable + " did not start: " + e.getMessage());
            throw e;
        }
    }

    private static void unavailable(String reason) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(reason);
        }
        Assumptions.abort(reason);
    }

    public Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
