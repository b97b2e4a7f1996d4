package io.harbormaster.emulator.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** One HTTP or HTTPS listener of the emulator (ARM, identity, IMDS, controls): TCP_NODELAY and a few daemon threads. */
public final class HttpListener implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private HttpListener(HttpServer server, String name, int threads, HttpHandler handler) {
        this.server = server;
        this.executor = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", handler);
    }

    public static HttpListener http(InetSocketAddress bind, String name, int threads, HttpHandler handler)
            throws IOException {
        noDelay();
        return new HttpListener(HttpServer.create(bind, 64), name, threads, handler);
    }

    public static HttpListener https(InetSocketAddress bind, HttpsConfigurator tls, String name, int threads,
            HttpHandler handler) throws IOException {
        noDelay();
        HttpsServer server = HttpsServer.create(bind, 64);
        server.setHttpsConfigurator(tls);
        return new HttpListener(server, name, threads, handler);
    }

    public HttpListener start() {
        server.start();
        return this;
    }

    /** The bound address, with the real port when port 0 was asked for. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code host:port} for a URL, the host in brackets when it is IPv6. */
    public String authority() {
        String host = address().getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /**
     * Without TCP_NODELAY each answer waits about 40 ms for a delayed ACK on loopback (shared/notes/http-on-loopback.md).
     * The JDK server reads the property once, before its first server; a choice made on the command line stands.
     */
    private static void noDelay() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
}
