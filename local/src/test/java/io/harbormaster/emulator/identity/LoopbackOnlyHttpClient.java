package io.harbormaster.emulator.identity;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/** The default azure-core client, except that a request to any host but 127.0.0.1 fails before it is sent. */
final class LoopbackOnlyHttpClient implements HttpClient {
    private final HttpClient real = HttpClient.createDefault();
    private final List<String> refusedHosts = new CopyOnWriteArrayList<>();

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        String host = request.getUrl().getHost();
        if (!host.equals("127.0.0.1")) {
            refusedHosts.add(host);
            return Mono.error(new IOException("refused: only loopback here, not " + host));
        }
        return real.send(request);
    }

    List<String> refusedHosts() {
        return List.copyOf(refusedHosts);
    }
}
