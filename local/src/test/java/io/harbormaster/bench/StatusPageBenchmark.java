package io.harbormaster.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import io.harbormaster.capacity.ClusterReport;
import io.harbormaster.status.StatusPageData;
import io.harbormaster.status.SyntheticCluster;
import io.harbormaster.testsupport.HeadlessChromium;
import io.harbormaster.testsupport.StatusPageFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The status page's render time and its data's cost, on a synthetic cluster (100 nodes and 1,000 tasks by default):
 * in Debian's headless chromium, from the data's arrival (the JSON text a poll receives) through parsing and drawing
 * to the paint, by {@code performance.now()}; and on the server, what building and writing the page's JSON costs
 * beside {@code GET /api/status}'s. Prints every run and the medians; no assertion (bench/page.sh).
 */
public final class StatusPageBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Inside the page: draw from the text, then wait for the frame (rAF) and for the task after it, which follows the paint. */
    private static final String MEASURE = """
            async ([text, how]) => {
              const arrived = performance.now();
              window.harbormaster[how](text);
              const drawn = performance.now();
              document.body.getBoundingClientRect(); // style and layout now, to tell them apart
              const laidOut = performance.now();
              await new Promise(resolve => requestAnimationFrame(() => {
                const channel = new MessageChannel();
                channel.port1.onmessage = resolve;
                channel.port2.postMessage(0);
              }));
              return [drawn - arrived, laidOut - arrived, performance.now() - arrived,
                  document.querySelectorAll('#nodes .task').length];
            }""";
    /** The same wait for the next frame and past its paint, with nothing new to draw: the browser's frame cost alone. */
    private static final String EMPTY_FRAME = """
            async () => {
              const start = performance.now();
              await new Promise(resolve => requestAnimationFrame(() => {
                const channel = new MessageChannel();
                channel.port1.onmessage = resolve;
                channel.port2.postMessage(0);
              }));
              return performance.now() - start;
            }""";

    private StatusPageBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        System.out.printf("status page benchmark: %d nodes, %d tasks, %d runs; %d cores, load average %.2f%n", nodes, tasks,
                runs, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        ClusterReport report = SyntheticCluster.report(nodes, tasks, Instant.now());
        endpoint(report, runs);
        render(report, nodes, tasks, runs);
    }

    /** The server side: the status route's JSON, and the page's (the same plus names and tasks per node). */
    private static void endpoint(ClusterReport report, int runs) throws IOException {
        for (int i = 0; i < 300; i++) { // warm-up: JIT and Jackson's caches
            JSON.writeValueAsBytes(report.toJson());
            JSON.writeValueAsBytes(StatusPageData.toJson(report));
        }
        List<Double> status = new ArrayList<>();
        List<Double> page = new ArrayList<>();
        int statusBytes = 0;
        int pageBytes = 0;
        for (int i = 0; i < Math.max(runs, 51); i++) {
            long t0 = System.nanoTime();
            statusBytes = JSON.writeValueAsBytes(report.toJson()).length;
            long t1 = System.nanoTime();
            pageBytes = JSON.writeValueAsBytes(StatusPageData.toJson(report)).length;
            long t2 = System.nanoTime();
            status.add((t1 - t0) / 1e6);
            page.add((t2 - t1) / 1e6);
        }
        System.out.printf("server: GET /api/status JSON %.3f ms median, %d bytes; GET /api/ui/data JSON %.3f ms median,"
                + " %d bytes; extra %.3f ms and %d bytes per poll (the shared snapshot itself is taken at most every 2 s"
                + " whatever the number of viewers)%n", median(status), statusBytes, median(page), pageBytes,
                median(page) - median(status), pageBytes - statusBytes);
    }

    private static void render(ClusterReport report, int nodes, int tasks, int runs) throws IOException {
        String data = JSON.writeValueAsString(StatusPageData.toJson(report));
        try (HeadlessChromium chromium = HeadlessChromium.launch();
             BrowserContext context = chromium.browser().newContext(new com.microsoft.playwright.Browser.NewContextOptions()
                     .setViewportSize(1440, 900))) {
            // The page's own files from the jar, and the synthetic data for its polls: no server, no network.
            context.route("**/*", route -> StatusPageFiles.serve(route, data));
            Page page = context.newPage();
            page.navigate("http://harbormaster.bench/api/ui/");
            page.waitForFunction("() => document.querySelectorAll('#nodes .node').length > 0");
            page.evaluate("() => window.harbormaster.stop()");
            // A poll that changed every node (its columns kept, their contents all written anew), and the first
            // poll after loading (every column made anew).
            measure(page, data, "render", "redraw", nodes, tasks, runs);
            measure(page, data, "renderAfresh", "first draw", nodes, tasks, runs);
        }
    }

    private static void measure(Page page, String data, String how, String what, int nodes, int tasks, int runs) {
        List<Double> drawn = new ArrayList<>();
        List<Double> laidOut = new ArrayList<>();
        List<Double> painted = new ArrayList<>();
        List<Double> empty = new ArrayList<>();
        for (int i = -5; i < runs; i++) { // five runs of warm-up
            @SuppressWarnings("unchecked")
            List<Number> result = (List<Number>) page.evaluate(MEASURE, List.of(data, how));
            double frame = ((Number) page.evaluate(EMPTY_FRAME)).doubleValue();
            if (i < 0) {
                continue;
            }
            drawn.add(result.get(0).doubleValue());
            laidOut.add(result.get(1).doubleValue());
            painted.add(result.get(2).doubleValue());
            empty.add(frame);
            System.out.printf("%s run %2d: parsed and drawn %.1f ms, laid out %.1f ms, painted %.1f ms (%d task boxes);"
                    + " an empty frame %.1f ms%n", what, i + 1, result.get(0).doubleValue(), result.get(1).doubleValue(),
                    result.get(2).doubleValue(), result.get(3).intValue(), frame);
        }
        System.out.printf("%s: %d nodes, %d tasks: data to paint %.1f ms median (min %.1f, max %.1f) over %d runs;"
                + " parsed and drawn %.1f ms, laid out %.1f ms (medians); an empty frame alone %.1f ms; target 100 ms%n",
                what, nodes, tasks, median(painted), painted.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                painted.stream().mapToDouble(Double::doubleValue).max().orElse(0), runs, median(drawn),
                median(laidOut), median(empty));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
