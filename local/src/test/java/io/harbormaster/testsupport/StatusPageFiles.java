package io.harbormaster.testsupport;

import com.microsoft.playwright.Route;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Serves the status page's own files from the class path and given data for its polls: a page with no server. */
public final class StatusPageFiles {
    private StatusPageFiles() {
    }

    /** Fulfils one browser request: {@code /api/ui/data} with {@code data}, {@code /api/ui/*} with the page's files. */
    public static void serve(Route route, String data) {
        String path = java.net.URI.create(route.request().url()).getPath();
        if (path.equals("/api/ui/data")) {
            route.fulfill(new Route.FulfillOptions().setStatus(200).setContentType("application/json").setBody(data));
            return;
        }
        String name = path.equals("/api/ui/") ? "index.html" : path.substring(Math.min(path.length(), "/api/ui/".length()));
        Map<String, String> types = Map.of("html", "text/html", "js", "text/javascript", "css", "text/css");
        try (InputStream in = StatusPageFiles.class.getResourceAsStream("/ui/" + name)) {
            if (in == null || !path.startsWith("/api/ui/")) {
                route.fulfill(new Route.FulfillOptions().setStatus(404));
                return;
            }
            route.fulfill(new Route.FulfillOptions().setStatus(200)
                    .setContentType(types.get(name.substring(name.lastIndexOf('.') + 1)))
                    .setBody(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            route.fulfill(new Route.FulfillOptions().setStatus(500));
        }
    }
}
