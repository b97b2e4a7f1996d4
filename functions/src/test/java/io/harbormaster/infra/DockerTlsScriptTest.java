package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.swarm.DockerSwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** infra/docker-tls.sh makes material the managers and the app accept, stored under the names the templates read. */
class DockerTlsScriptTest {

    @Test
    void generatesAServerCertificateForEveryManagerSlotAndAClientCertificate(@TempDir Path dir) throws Exception {
        HostTools.require("openssl", "apt-get install -y openssl");
        Path tls = dir.resolve("tls");
        HostTools.Result generated = HostTools.run(List.of("sh", InfraFiles.path("infra/docker-tls.sh").toString(), "generate",
                tls.toString(), "10.0.0.0/24"), Map.of(), 120);
        assertEquals(0, generated.exitCode(), generated.output());

        for (String address : List.of("10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8")) {
            assertEquals(0, verify(tls, "sslserver", address, "server-cert.pem").exitCode(), "the server certificate names " + address);
        }
        assertNotEquals(0, verify(tls, "sslserver", "10.0.0.9", "server-cert.pem").exitCode(), "and no other address");
        assertEquals(0, verify(tls, "sslclient", null, "client-cert.pem").exitCode());
        assertNotEquals(0, verify(tls, "sslserver", "10.0.0.4", "client-cert.pem").exitCode(), "the client certificate is no server's");
        for (String key : List.of("ca-key.pem", "server-key.pem", "client-key.pem")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(key))), key);
        }

        // The app reads the client material from its settings exactly as the Key Vault references deliver it.
        DockerSettings settings = DockerSettings.from(new AppSettings(Map.of(
                DockerSettings.HOSTS, "tcp://127.0.0.1:2376",
                DockerSettings.TLS_CA, Files.readString(tls.resolve("ca.pem")),
                DockerSettings.TLS_CERT, Files.readString(tls.resolve("client-cert.pem")),
                DockerSettings.TLS_KEY, Files.readString(tls.resolve("client-key.pem")))));
        try (DockerSwarm swarm = DockerSwarm.connect(settings)) {
            assertTrue(settings.tls().isPresent());
        }
    }

    private static HostTools.Result verify(Path tls, String purpose, String address, String certificate) {
        List<String> command = new ArrayList<>(List.of("openssl", "verify", "-CAfile", tls.resolve("ca.pem").toString(),
                "-purpose", purpose));
        if (address != null) {
            command.addAll(List.of("-verify_ip", address));
        }
        command.add(tls.resolve(certificate).toString());
        return HostTools.run(command, Map.of(), 30);
    }

    @Test
    void uploadsUnderTheSecretNamesTheTemplatesRead() throws Exception {
        String script = Files.readString(InfraFiles.path("infra/docker-tls.sh"));
        Set<String> uploaded = new LinkedHashSet<>();
        Matcher names = Pattern.compile(":(harbormaster-docker-tls-[a-z-]+)").matcher(script);
        while (names.find()) {
            uploaded.add(names.group(1));
        }
        Set<String> read = new LinkedHashSet<>();
        // The Docker TLS ones: the attestation secrets are the operator's to put in the vault (README, deploying).
        InfraFiles.functions().root.path("variables").path("secretNames").forEach(name -> {
            if (name.asText().startsWith("harbormaster-docker-tls-")) {
                read.add(name.asText());
            }
        });
        ArmTemplatesTest.example("infra/cluster.parameters.example.json").forEach(parameter -> {
            if (parameter.has("reference")) {
                read.add(parameter.path("reference").path("secretName").asText());
            }
        });
        assertEquals(new TreeSet<>(read), new TreeSet<>(uploaded));
        assertEquals(5, uploaded.size());
    }

    @Test
    void everyOtherSecretTheAppReadsIsPutInTheVaultByTheDeploySteps() throws Exception {
        String readme = Files.readString(InfraFiles.path("README.md"));
        Set<String> others = new TreeSet<>();
        InfraFiles.functions().root.path("variables").path("secretNames").forEach(name -> {
            if (!name.asText().startsWith("harbormaster-docker-tls-")) {
                others.add(name.asText());
            }
        });
        assertEquals(Set.of("harbormaster-attestation-trust-pem", "harbormaster-trust-key"), others);
        for (String name : others) {
            assertTrue(readme.contains("az keyvault secret set --vault-name <keyVaultName> --name " + name), name);
        }
    }
}
