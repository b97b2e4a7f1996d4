package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.config.AppSettings;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.EmulatorSettings;
import io.harbormaster.testsupport.DockerCli;
import io.harbormaster.testsupport.LocalHostProcess;
import io.harbormaster.testsupport.LocalServices;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The staged function app (functions/target/azure-functions/harbormaster-functions: its jar and lib/) runs with
 * nothing else but the local host's own classes and the Functions core library (the worker's in Azure), reaching the
 * manager over mutual TLS as in Azure, Azurite for blobs and queues, and the Azure emulator's ARM through the managed
 * identity endpoint, as the app reaches Azure's. It proves that the artifacts functions/pom.xml leaves out
 * (JNA, jna-platform, commons-compress, msal4j-persistence-extension, azure-resourcemanager-msi) are not needed on
 * these paths: a class that is missing shows as NoClassDefFoundError or ClassNotFoundException.
 */
class ShippedPackageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The master key: join, drain and status are ADMIN-level routes. */
    private static final String KEY = UUID.randomUUID().toString();
    private static final String FUNCTION_KEY = UUID.randomUUID().toString();
    /** Artifacts the function app must not ship; finding one means the staging folder is not what this test proves. */
    private static final List<String> LEFT_OUT = List.of(
            "jna-", "jna-platform-", "commons-compress-", "commons-codec-", "msal4j-persistence-extension-",
            "azure-resourcemanager-msi-");

    private static LocalHostProcess host;
    private static AzureEmulator emulator;

    @BeforeAll
    static void startStagedApp() throws Exception {
        String dockerTls = LocalServices.dockerTlsEndpoint();
        Path tls = LocalServices.dockerTlsDirectory();
        String storage = LocalServices.storageConnectionString();
        String classPath = stagedClassPath();
        Path state = Files.createTempDirectory("hm-shipped-package-it");
        Map<String, String> target = Map.of(
                "HARBORMASTER_SUBSCRIPTION_ID", UUID.randomUUID().toString(),
                "HARBORMASTER_RESOURCE_GROUP", "harbormaster-shipped-package-it",
                "HARBORMASTER_SCALE_SET_NAME", "agents");
        Map<String, String> emulatorSettings = new HashMap<>(target);
        emulatorSettings.putAll(Map.of(
                EmulatorSettings.DIR, state.resolve("emulator").toString(),
                EmulatorSettings.CAPACITY, "0",
                EmulatorSettings.ARM_PORT, Integer.toString(LocalHostProcess.freePort()),
                EmulatorSettings.IDENTITY_PORT, Integer.toString(LocalHostProcess.freePort()),
                EmulatorSettings.IMDS_PORT, Integer.toString(LocalHostProcess.freePort()),
                EmulatorSettings.CONTROL_PORT, Integer.toString(LocalHostProcess.freePort()),
                EmulatorSettings.FUNCTION_URL, "http://10.213.77.1:7071",
                EmulatorSettings.CLOUD_CONFIG, Path.of("cloud-init/agent.yml").toAbsolutePath().toString()));
        emulator = AzureEmulator.start(EmulatorSettings.from(new AppSettings(emulatorSettings)));
        Map<String, String> settings = new HashMap<>(target);
        settings.putAll(emulator.appEnvironment());
        settings.putAll(Map.of(
                "HARBORMASTER_DOCKER_HOSTS", dockerTls,
                "HARBORMASTER_DOCKER_TLS_CA_PEM", Files.readString(tls.resolve("ca.pem")),
                "HARBORMASTER_DOCKER_TLS_CERT_PEM", Files.readString(tls.resolve("cert.pem")),
                "HARBORMASTER_DOCKER_TLS_KEY_PEM", Files.readString(tls.resolve("key.pem")),
                "HARBORMASTER_LOCAL_FUNCTION_KEY", FUNCTION_KEY,
                "HARBORMASTER_LOCAL_MASTER_KEY", KEY,
                "AzureWebJobsStorage", storage));
        host = LocalHostProcess.start(classPath, settings, LocalHostProcess.freePort(), emulator.appJvmOptions())
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopAndCheckNoClassWasMissing() throws Exception {
        try {
            if (host != null) {
                host.close();
                assertNoMissingClass();
            }
        } finally {
            if (emulator != null) {
                emulator.close();
            }
        }
    }

    /**
     * The staging folder's jar and lib/*.jar, then local/target/classes (no other jar of the local module), and the
     * Functions core library that the Java worker provides in Azure.
     */
    private static String stagedClassPath() throws IOException {
        String staging = System.getProperty("harbormaster.staging");
        if (staging == null || staging.isBlank()) {
            fail("-Dharbormaster.staging is not set (the failsafe configuration of local/pom.xml sets it)");
        }
        Path folder = Path.of(staging);
        Path lib = folder.resolve("lib");
        if (!Files.isDirectory(lib)) {
            fail("no staged function app at " + folder + ": run `mvn -o -q -B install -DskipTests -pl functions` first");
        }
        List<String> entries = new ArrayList<>();
        try (Stream<Path> top = Files.list(folder); Stream<Path> libs = Files.list(lib)) {
            top.filter(ShippedPackageIT::isJar).sorted().forEach(jar -> entries.add(jar.toString()));
            List<Path> libJars = libs.filter(ShippedPackageIT::isJar).sorted().toList();
            for (Path jar : libJars) {
                String name = jar.getFileName().toString();
                for (String prefix : LEFT_OUT) {
                    boolean sameArtifact = name.startsWith(prefix)
                            && Character.isDigit(name.charAt(prefix.length()));
                    assertFalse(sameArtifact, name + " is in the staged package, which must ship without it");
                }
                entries.add(jar.toString());
            }
        }
        assertTrue(entries.stream().anyMatch(jar -> Path.of(jar).getFileName().toString().startsWith("harbormaster-functions")),
                "the app's own jar is missing from " + folder);
        // The failsafe working directory is the checkout's top.
        Path localClasses = Path.of("local", "target", "classes").toAbsolutePath();
        assertTrue(Files.isRegularFile(localClasses.resolve("io/harbormaster/local/LocalHost.class")),
                "the local host's classes are missing from " + localClasses);
        entries.add(localClasses.toString());
        // In Azure the Java worker, not the app, provides the Functions core library (the plugin leaves it out of lib/);
        // the local host plays the worker here, so its copy comes along, as the worker's does in Azure.
        entries.add(workerProvided(com.microsoft.azure.functions.HttpRequestMessage.class).toString());
        return String.join(File.pathSeparator, entries);
    }

    private static Path workerProvided(Class<?> type) {
        try {
            Path jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            assertTrue(jar.getFileName().toString().startsWith("azure-functions-java-core-library"),
                    type.getName() + " comes from " + jar + ", not the Functions core library");
            return jar;
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isJar(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".jar");
    }

    private static void assertNoMissingClass() {
        String output = host.output();
        assertFalse(output.contains("NoClassDefFoundError"), "a class is missing from the package:\n" + output);
        assertFalse(output.contains("ClassNotFoundException"), "a class is missing from the package:\n" + output);
    }

    private static HttpResponse<String> call(String method, String path, Duration timeout) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(host.uri(path))
                .header("x-functions-key", KEY)
                .timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void joinReachesTheManagerOverMutualTls() throws Exception {
        HttpResponse<String> response = call("GET", "/api/join/worker", Duration.ofSeconds(30));
        assertEquals(200, response.statusCode(), response.body() + "\n" + host.output());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("worker", body.path("role").asText());
        assertEquals(DockerCli.forLocalManager().run("swarm", "join-token", "-q", "worker"), body.path("token").asText());
        assertNoMissingClass();
    }

    @Test
    void drainOfAnUnknownNodeIs404FromTheStoragePath() throws Exception {
        String node = "no-such-node-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> submitted = call("POST", "/api/drain/" + node, Duration.ofSeconds(30));
        assertEquals(404, submitted.statusCode(), submitted.body() + "\n" + host.output());
        assertEquals("unknown_node", JSON.readTree(submitted.body()).path("error").asText(), submitted.body());
        // The status read is a blob read against Azurite.
        HttpResponse<String> status = call("GET", "/api/drain/" + node, Duration.ofSeconds(30));
        assertEquals(404, status.statusCode(), status.body() + "\n" + host.output());
        assertEquals("no_drain", JSON.readTree(status.body()).path("error").asText(), status.body());
        assertNoMissingClass();
    }

    /**
     * The status reads the scale set through ComputeManager, the credential chain and the identity endpoint, as in
     * Azure: the answer names the emulated scale set by its ARM id.
     */
    @Test
    void statusReadsTheScaleSetThroughTheManagedIdentityAndArm() throws Exception {
        HttpResponse<String> response = call("GET", "/api/status", Duration.ofSeconds(60));
        assertEquals(200, response.statusCode(), response.body() + "\n" + host.output());
        assertEquals(emulator.settings().scaleSetId(), JSON.readTree(response.body()).path("scaleSet").path("id").asText(),
                response.body());
        assertTrue(emulator.arm().requests().stream().anyMatch(call -> call.status() == 200),
                "the emulator's ARM answered no request");
        // The managers are reached over TLS here: the status shows when our client certificate expires, never it.
        java.security.cert.X509Certificate certificate = (java.security.cert.X509Certificate)
                java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
                        Files.newInputStream(LocalServices.dockerTlsDirectory().resolve("cert.pem")));
        assertEquals(certificate.getNotAfter().toInstant().toString(),
                JSON.readTree(response.body()).at("/dockerTls/clientCertificateNotAfter").asText(), response.body());
        assertFalse(response.body().contains("BEGIN"), "no PEM in the status");
        assertNoMissingClass();
    }
}
