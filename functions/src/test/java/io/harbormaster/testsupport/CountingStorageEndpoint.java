package io.harbormaster.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP endpoint that stands for a storage account when a test only needs to know whether, and when,
 * anything was sent to storage: it counts the requests, answers each write 201 Created (what a container, queue or
 * blob creation expects) and each read 404 Not Found, all without a body.
 */
public final class CountingStorageEndpoint implements AutoCloseable {
    /** Azurite's well-known development account key (public, documented): the SDK needs some key to sign with. */
    private static final String DEV_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    public CountingStorageEndpoint() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            // The headers a creation's answer carries, which the SDK reads into its result.
            exchange.getResponseHeaders().add("ETag", "\"0x8DC0000000000000\"");
            exchange.getResponseHeaders().add("Last-Modified", "Sun, 06 Dec 2026 10:00:00 GMT");
            exchange.getResponseHeaders().add("x-ms-request-id", java.util.UUID.randomUUID().toString());
            exchange.getResponseHeaders().add("x-ms-version", "2021-12-02");
            exchange.getResponseHeaders().add("Date", "Sun, 06 Dec 2026 10:00:00 GMT");
            // A read finds nothing (HEAD has no body to carry an error code); a write creates.
            boolean read = exchange.getRequestMethod().equals("HEAD") || exchange.getRequestMethod().equals("GET");
            if (read) {
                exchange.getResponseHeaders().add("x-ms-error-code", "BlobNotFound");
            }
            exchange.sendResponseHeaders(read ? 404 : 201, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "counting-storage");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    /** A connection string whose blob and queue endpoints are this one. */
    public String connectionString() {
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/devstoreaccount1";
        return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DEV_KEY
                + ";BlobEndpoint=" + base + ";QueueEndpoint=" + base + ";";
    }

    /** A connection string naming a loopback port where nothing listens: storage that is down. */
    public static String unreachableConnectionString() {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = "http://127.0.0.1:" + port + "/devstoreaccount1";
        return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DEV_KEY
                + ";BlobEndpoint=" + base + ";QueueEndpoint=" + base + ";";
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
