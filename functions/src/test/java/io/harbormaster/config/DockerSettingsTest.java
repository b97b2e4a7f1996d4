package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerSettingsTest {
    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private static final String KEY = "-----BEGIN PRIVATE KEY-----\nsecret-key-body\n-----END PRIVATE KEY-----\n";

    private static DockerSettings from(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return DockerSettings.from(new AppSettings(map));
    }

    private static InvalidSettingException invalid(String... pairs) {
        return assertThrows(InvalidSettingException.class, () -> from(pairs));
    }

    @Test
    void unixEndpointNeedsNoTls() {
        DockerSettings settings = from(DockerSettings.HOSTS, "unix:///var/run/docker.sock");
        assertEquals(List.of(URI.create("unix:///var/run/docker.sock")), settings.endpoints());
        assertTrue(settings.tls().isEmpty());
        assertEquals(Duration.ofSeconds(3), settings.connectTimeout());
        assertEquals(Duration.ofSeconds(15), settings.responseTimeout());
    }

    @Test
    void tcpEndpointsWithTlsAndTimeouts() {
        DockerSettings settings = from(
                DockerSettings.HOSTS, "tcp://10.0.0.4:2376, tcp://10.0.0.5:2376",
                DockerSettings.TLS_CA, PEM, DockerSettings.TLS_CERT, PEM, DockerSettings.TLS_KEY, KEY,
                DockerSettings.CONNECT_TIMEOUT, "750ms", DockerSettings.RESPONSE_TIMEOUT, "30s");
        assertEquals(2, settings.endpoints().size());
        assertTrue(settings.tls().isPresent());
        assertEquals(Duration.ofMillis(750), settings.connectTimeout());
        assertEquals(Duration.ofSeconds(30), settings.responseTimeout());
    }

    @Test
    void missingHostsIsNamed() {
        InvalidSettingException e = invalid();
        assertEquals(DockerSettings.HOSTS, e.setting());
        assertTrue(e.getMessage().contains("tcp://10.0.0.4:2376"), e.getMessage());
    }

    @Test
    void malformedEndpointIsNamed() {
        for (String bad : new String[] {"http://10.0.0.4:2376", "tcp://10.0.0.4", "unix://", "10.0.0.4:2376"}) {
            InvalidSettingException e = invalid(DockerSettings.HOSTS, bad);
            assertEquals(DockerSettings.HOSTS, e.setting(), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void tcpWithoutTlsIsRefused() {
        InvalidSettingException e = invalid(DockerSettings.HOSTS, "tcp://10.0.0.4:2376");
        assertEquals(DockerSettings.TLS_CA, e.setting());
        assertTrue(e.getMessage().contains("need"), e.getMessage());
    }

    @Test
    void partialTlsNamesTheMissingPiece() {
        InvalidSettingException e = invalid(DockerSettings.HOSTS, "tcp://10.0.0.4:2376",
                DockerSettings.TLS_CA, PEM, DockerSettings.TLS_CERT, PEM);
        assertEquals(DockerSettings.TLS_KEY, e.setting());
    }

    @Test
    void pemWithFlattenedNewlinesIsAccepted() {
        DockerSettings settings = from(DockerSettings.HOSTS, "tcp://10.0.0.4:2376",
                DockerSettings.TLS_CA, PEM.replace("\n", "\\n"), DockerSettings.TLS_CERT, PEM, DockerSettings.TLS_KEY, KEY);
        assertEquals(PEM, settings.tls().orElseThrow().caPem());
    }

    @Test
    void nonPemIsRefusedWithoutEchoingTheValue() {
        InvalidSettingException e = invalid(DockerSettings.HOSTS, "tcp://10.0.0.4:2376",
                DockerSettings.TLS_CA, PEM, DockerSettings.TLS_CERT, PEM, DockerSettings.TLS_KEY, "hunter2-not-a-pem");
        assertEquals(DockerSettings.TLS_KEY, e.setting());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void tlsMaterialNeverPrintsItself() {
        DockerSettings settings = from(DockerSettings.HOSTS, "tcp://10.0.0.4:2376",
                DockerSettings.TLS_CA, PEM, DockerSettings.TLS_CERT, PEM, DockerSettings.TLS_KEY, KEY);
        assertFalse(settings.toString().contains("secret-key-body"), settings.toString());
    }
}
