import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The ceiling for bench/join.sh: the JDK HttpServer set up as the local host sets it up (TCP_NODELAY, a fixed pool,
 * backlog 256) answering a constant body the size of a join reply, so the gap to it is what our code and Docker cost.
 *
 * <p>Run with the source launcher, so it never becomes part of the build: {@code java bench/CeilingServer.java PORT THREADS}.
 */
public final class CeilingServer {
    private CeilingServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java bench/CeilingServer.java PORT THREADS");
            System.exit(2);
        }
        // Read once, when the first HttpServer starts; without it each reply waits ~40 ms (shared/notes/http-on-loopback.md).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        int port = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        // Shaped like a real reply: an 85-character token and one manager address.
        byte[] body = ("{\"role\":\"worker\",\"token\":\"" + "x".repeat(85) + "\",\"managers\":[\"10.213.77.1:2377\"]}")
                .getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        server.setExecutor(Executors.newFixedThreadPool(threads));
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("ceiling server listening on 127.0.0.1:" + port + " with " + threads + " threads");
    }
}
