package io.harbormaster.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The status page's files, read from {@code /ui/} in the jar and kept in memory: a fixed list, so a request can
 * never name another resource. Only the page itself shows anything of the cluster (through the data it polls), so
 * it alone needs an operator; the login form, the script and the style sheet hold nothing secret.
 */
public final class PageAssets {
    /** One file: its text, content type, and whether only an operator may have it. */
    public record Asset(String name, String text, String contentType, boolean operatorOnly) {
    }

    static final String PAGE = "index.html";
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "login.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");
    private final Map<String, Asset> loaded = new ConcurrentHashMap<>();

    /** The asset a path below {@code /api/ui/} names; the empty path is the page. */
    public Optional<Asset> find(String path) {
        String name = path == null || path.isEmpty() || path.equals("/") ? PAGE : path;
        if (!TYPES.containsKey(name)) {
            return Optional.empty();
        }
        return Optional.of(loaded.computeIfAbsent(name, PageAssets::load));
    }

    private static Asset load(String name) {
        try (InputStream in = PageAssets.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("ui/" + name + " is missing from the jar");
            }
            return new Asset(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), TYPES.get(name),
                    name.equals(PAGE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
