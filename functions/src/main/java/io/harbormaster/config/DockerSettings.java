package io.harbormaster.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** How the control plane reaches the swarm managers' Docker Engine API. */
public record DockerSettings(
        List<URI> endpoints, Optional<TlsMaterial> tls, Duration connectTimeout, Duration responseTimeout) {
    public static final String HOSTS = "HARBORMASTER_DOCKER_HOSTS";
    public static final String TLS_CA = "HARBORMASTER_DOCKER_TLS_CA_PEM";
    public static final String TLS_CERT = "HARBORMASTER_DOCKER_TLS_CERT_PEM";
    public static final String TLS_KEY = "HARBORMASTER_DOCKER_TLS_KEY_PEM";
    public static final String CONNECT_TIMEOUT = "HARBORMASTER_DOCKER_CONNECT_TIMEOUT";
    public static final String RESPONSE_TIMEOUT = "HARBORMASTER_DOCKER_RESPONSE_TIMEOUT";

    private static final String HOSTS_EXPECTED =
            "a comma-separated list of manager endpoints such as tcp://10.0.0.4:2376 or unix:///var/run/docker.sock";

    public DockerSettings {
        endpoints = List.copyOf(endpoints);
    }

    public static DockerSettings from(AppSettings settings) {
        List<URI> endpoints = new ArrayList<>();
        for (String raw : settings.list(HOSTS, HOSTS_EXPECTED)) {
            endpoints.add(endpoint(raw));
        }
        Optional<TlsMaterial> tls = tls(settings);
        if (tls.isEmpty() && endpoints.stream().anyMatch(uri -> "tcp".equals(uri.getScheme()))) {
            // The Docker API is root on the manager: over a network it is only ever spoken with client certificates.
            throw new InvalidSettingException(TLS_CA, "is missing: tcp endpoints in " + HOSTS
                    + " need " + TLS_CA + ", " + TLS_CERT + " and " + TLS_KEY);
        }
        return new DockerSettings(
                endpoints,
                tls,
                settings.duration(CONNECT_TIMEOUT, Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMinutes(1)),
                settings.duration(RESPONSE_TIMEOUT, Duration.ofSeconds(15), Duration.ofMillis(100), Duration.ofMinutes(5)));
    }

    private static URI endpoint(String raw) {
        try {
            URI uri = new URI(raw);
            boolean unix = "unix".equals(uri.getScheme()) && uri.getPath() != null && !uri.getPath().isEmpty();
            boolean tcp = "tcp".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0;
            if (unix || tcp) {
                return uri;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        throw new InvalidSettingException(HOSTS, "has '" + raw + "': expected " + HOSTS_EXPECTED);
    }

    private static Optional<TlsMaterial> tls(AppSettings settings) {
        Optional<String> ca = pem(settings, TLS_CA);
        Optional<String> cert = pem(settings, TLS_CERT);
        Optional<String> key = pem(settings, TLS_KEY);
        if (ca.isEmpty() && cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        String expected = "PEM text (all three of " + TLS_CA + ", " + TLS_CERT + " and " + TLS_KEY + " are needed for TLS)";
        return Optional.of(new TlsMaterial(
                ca.orElseThrow(() -> new InvalidSettingException(TLS_CA, "is missing: expected " + expected)),
                cert.orElseThrow(() -> new InvalidSettingException(TLS_CERT, "is missing: expected " + expected)),
                key.orElseThrow(() -> new InvalidSettingException(TLS_KEY, "is missing: expected " + expected))));
    }

    /** Portals and CLIs often flatten PEM newlines to a literal \n; both forms are accepted. */
    private static Optional<String> pem(AppSettings settings, String name) {
        return settings.optional(name).map(value -> {
            String text = value.replace("\\n", "\n");
            if (!text.startsWith("-----BEGIN ")) {
                throw new InvalidSettingException(name, "is not PEM text: expected it to start with -----BEGIN");
            }
            return text;
        });
    }
}
