package io.harbormaster.scaleset;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.testsupport.SelfSignedTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One GET route answering as a Flexible scale set, which the emulator does not model; any other path is 404. */
final class FlexibleScaleSetStandIn implements AutoCloseable {
    private static final SelfSignedTls TLS = EmulatorFixture.tls();
    private final HttpsServer server;
    private final List<String> paths = new CopyOnWriteArrayList<>();

    private FlexibleScaleSetStandIn() throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(TLS.serverContext()));
        String id = "/subscriptions/" + EmulatorFixture.SUBSCRIPTION + "/resourceGroups/" + EmulatorFixture.RESOURCE_GROUP
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + EmulatorFixture.SCALE_SET;
        byte[] body = ("{\"name\":\"" + EmulatorFixture.SCALE_SET + "\",\"id\":\"" + id + "\",\"location\":\"westeurope\","
                + "\"sku\":{\"name\":\"Standard_D2s_v3\",\"capacity\":2},\"etag\":\"\\\"1\\\"\",\"properties\":"
                + "{\"orchestrationMode\":\"Flexible\",\"platformFaultDomainCount\":1,\"provisioningState\":\"Succeeded\"}}")
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            try (exchange) {
                paths.add(exchange.getRequestURI().getPath());
                if (!exchange.getRequestMethod().equals("GET") || !exchange.getRequestURI().getPath().equals(id)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    static FlexibleScaleSetStandIn start() throws IOException {
        return new FlexibleScaleSetStandIn();
    }

    URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    List<String> paths() {
        return List.copyOf(paths);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
