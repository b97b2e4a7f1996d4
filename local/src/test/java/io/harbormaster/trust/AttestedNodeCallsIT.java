package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.AzureEmulator;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.pki.SigningIdentity;
import io.harbormaster.testsupport.EmulatedCluster;
import io.harbormaster.testsupport.LocalServices;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attested node calls end to end: the local host against the Azure emulator, one agent (a dockerd node booted by
 * cloud-init) whose attested document comes from the emulator's IMDS, asked from inside the node; the manager VM's
 * from the bridge address, as the manager's own. Every refusal is a 401 or 403 that leaves no drain, no replay mark
 * and the node as it was; documents the emulator's IMDS would not issue (expired, another subscription, a VM that is
 * not ours) are signed here with the emulator's IMDS key, as a stolen or stale document would be.
 */
class AttestedNodeCallsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss '-0000'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String IMDS_VERSION = "2021-02-01";

    private static EmulatedCluster cluster;
    private static InstanceSnapshot agent;
    private static BlobContainerClient trustContainer;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmulatedCluster.start(Map.of(), Map.of());
        AzureEmulator emulator = cluster.emulator();
        agent = emulator.cloud().instances(emulator.settings().scaleSetName()).get(0);
        // The agent joins by attestation alone, through its own cloud-init units: no key anywhere.
        cluster.await("agent in the swarm", cluster::nodes, nodes -> "ready".equals(nodes.get(agent.computerName())),
                Duration.ofSeconds(120));
        trustContainer = new BlobServiceClientBuilder().connectionString(LocalServices.storageConnectionString())
                .buildClient().getBlobContainerClient(BlobTrustStore.CONTAINER);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void attestedCallsAreServedAndEveryForgeryIsRefusedWithNothingChanged() throws Exception {
        String subscription = cluster.emulator().settings().subscriptionId();
        SigningIdentity imdsKey = cluster.emulator().authority().imdsSigning();
        int marksBefore = replayMarks();

        // No proof at all, and the nonce route needs no key.
        assertRefused(post("/api/node/join", "{}", null), 401, "attestation_required");
        assertRefused(post("/api/node/drain", "{\"reason\":\"shutdown\"}", null), 401, "attestation_required");
        assertRefused(get("/api/node/drain", null), 401, "attestation_required");

        // Forged: a look-alike signer of our own making, and a genuine document with one byte changed.
        String nonce = nonce();
        JsonNode genuine = JSON.readTree(imdsInNode(nonce));
        KeyPair forgerKeys = keys();
        X509Certificate forger = selfSigned("CN=eastus.metadata.azure.com", forgerKeys);
        assertRefused(join(sign(content(nonce, agent.vmId(), subscription, Instant.now()), forgerKeys.getPrivate(), forger),
                nonce, "worker"), 401, "untrusted_signer");
        assertRefused(join(tampered(genuine, agent.vmId()), nonce, "worker"), 401, "bad_signature");
        // Expired, another subscription, a VM outside the scale set: all signed by the emulator's IMDS key itself.
        assertRefused(join(sign(content(nonce, agent.vmId(), subscription, Instant.now().minus(Duration.ofHours(7))),
                imdsKey.key(), imdsKey.certificate()), nonce, "worker"), 401, "expired_attestation");
        assertRefused(join(sign(content(nonce, agent.vmId(), UUID.randomUUID().toString(), Instant.now()),
                imdsKey.key(), imdsKey.certificate()), nonce, "worker"), 401, "wrong_subscription");
        assertRefused(join(sign(content(nonce, UUID.randomUUID().toString(), subscription, Instant.now()),
                imdsKey.key(), imdsKey.certificate()), nonce, "worker"), 403, "unknown_machine");
        // A nonce we never issued.
        assertRefused(join(JSON.readTree(imdsInNode("1234567890")), "1234567890", "worker"), 401, "unknown_nonce");
        assertEquals(marksBefore, replayMarks(), "no refused document left a replay mark");

        // The genuine one joins, as a worker, with a credential; once.
        HttpResponse<String> joined = join(genuine, nonce, "worker");
        assertEquals(200, joined.statusCode(), joined.body());
        JsonNode ticket = JSON.readTree(joined.body());
        assertEquals("worker", ticket.path("role").asText());
        assertTrue(ticket.path("token").asText().startsWith("SWMTKN-"), "a worker join token");
        assertEquals("agent", ticket.path("machine").path("kind").asText());
        assertEquals(agent.computerName(), ticket.path("machine").path("computerName").asText());
        String credential = ticket.path("credential").asText();
        assertTrue(credential.startsWith("hm1."), "a node credential");
        assertRefused(join(genuine, nonce, "worker"), 401, "replayed_attestation");
        // IMDS's cached answer (a document for another nonce) asks for a retry, and records nothing.
        String next = nonce();
        int marks = replayMarks();
        HttpResponse<String> cached = join(genuine, next, "worker");
        assertRefused(cached, 409, "retry_attestation");
        assertTrue(cached.headers().firstValue("Retry-After").isPresent());
        assertEquals(marks, replayMarks());

        // With its credential the agent gets worker tickets, never the manager's.
        HttpResponse<String> again = post("/api/node/join", "{\"role\":\"worker\"}", credential);
        assertEquals(200, again.statusCode(), again.body());
        assertRefused(post("/api/node/join", "{\"role\":\"manager\"}", credential), 403, "forbidden");
        assertRefused(post("/api/node/join", "{\"role\":\"worker\"}", credential.substring(0, credential.length() - 2) + "xx"),
                401, "bad_credential");

        // It drains nobody else, never deletes its instance, and only for a leaving reason: nothing is recorded.
        assertRefused(post("/api/node/drain", "{\"node\":\"" + cluster.prefix() + "zzzzzz\"}", credential), 403, "forbidden");
        assertRefused(post("/api/node/drain", "{\"deleteInstance\":true}", credential), 403, "forbidden");
        assertRefused(post("/api/node/drain", "{\"reason\":\"manual\"}", credential), 403, "forbidden");
        assertRefused(post("/api/node/drain", "{\"deadline\":\"PT20H\"}", credential), 403, "forbidden");
        assertRefused(get("/api/node/drain", credential), 404, "no_drain");
        // Only managers forward the swarm's events.
        assertRefused(post("/api/node/events", "{\"events\":[\"service:create\"]}", credential), 403, "forbidden");
        HttpResponse<String> operatorView = cluster.send(HttpRequest.newBuilder(
                cluster.host().uri("/api/drain/" + agent.computerName())).GET());
        assertEquals(404, operatorView.statusCode(), "no drain recorded: " + operatorView.body());
        // The node, in the swarm since it joined through cloud-init, is as it joined: active.
        assertEquals("active", cluster.manager().run("node", "inspect", agent.computerName(), "--format",
                "{{.Spec.Availability}}").trim(), "the node is untouched");
        assertEquals(404, cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + agent.computerName()))
                .GET()).statusCode(), "still no drain recorded");

        // The manager VM attests from its own address and gets the manager ticket.
        String managerNonce = nonce();
        HttpResponse<String> manager = join(JSON.readTree(imdsAsManager(managerNonce)), managerNonce, "manager");
        assertEquals(200, manager.statusCode(), manager.body());
        assertEquals("manager", JSON.readTree(manager.body()).path("machine").path("kind").asText());
        assertEquals("manager", JSON.readTree(manager.body()).path("role").asText());

        // The agent drains itself, for shutdown, and reads that drain; it is the one the operator sees.
        HttpResponse<String> drained = post("/api/node/drain", "{\"reason\":\"shutdown\",\"deadline\":\"PT2M\"}", credential);
        assertEquals(202, drained.statusCode(), drained.body());
        assertEquals(agent.computerName(), JSON.readTree(drained.body()).path("node").asText());
        assertFalse(JSON.readTree(drained.body()).path("deleteInstance").asBoolean());
        HttpResponse<String> own = get("/api/node/drain", credential);
        assertEquals(200, own.statusCode(), own.body());
        assertEquals(JSON.readTree(drained.body()).path("requestId").asText(), JSON.readTree(own.body()).path("requestId").asText());
        HttpResponse<String> seen = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/drain/" + agent.computerName())).GET());
        assertEquals("shutdown", JSON.readTree(seen.body()).path("reason").asText(), seen.body());
        // Only a terminate-notification drain is called off by its node (its event was cancelled); this one stays.
        HttpResponse<String> callOff = HTTP.send(HttpRequest.newBuilder(cluster.host().uri("/api/node/drain")).DELETE()
                .header("Authorization", "Bearer " + credential).build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(callOff, 409, "not_cancellable");
        assertEquals("shutdown", JSON.readTree(get("/api/node/drain", credential).body()).path("reason").asText());

        // A fresh credential costs a fresh attestation: a credential never renews itself.
        assertRefused(post("/api/node/credential", "{}", credential), 401, "attestation_required");
        String renewalNonce = nonce();
        ObjectNode renewal = JSON.createObjectNode().put("nonce", renewalNonce);
        renewal.set("attestation", JSON.readTree(imdsInNode(renewalNonce)));
        HttpResponse<String> renewed = post("/api/node/credential", renewal.toString(), null);
        assertEquals(200, renewed.statusCode(), renewed.body());
        String second = JSON.readTree(renewed.body()).path("credential").asText();
        assertTrue(second.startsWith("hm1."), renewed.body());
        assertEquals(200, get("/api/node/drain", second).statusCode());

        // Audit lines name the claimed caller; no credential, document or join token reaches the log.
        String logs = cluster.host().output();
        assertTrue(logs.contains("audit refused route=node/join"), "refusals are audited");
        assertTrue(logs.contains("vmId " + agent.vmId()), "the audit names the claimed vmId");
        assertFalse(logs.contains(credential.substring(4, 40)) || logs.contains(second.substring(4, 40)),
                "a credential reached the log");
        assertFalse(logs.contains(genuine.path("signature").asText().substring(0, 40)), "a document reached the log");
        assertFalse(logs.contains("SWMTKN-"), "a join token reached the log");

        // The audit trail, as the operator reads it: each refusal with its code, the drain the agent asked for, and
        // none of the secrets that went by.
        HttpResponse<String> trail = cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/events?since="
                + Instant.now().minus(Duration.ofMinutes(30)) + "&limit=1000")).GET());
        assertEquals(200, trail.statusCode(), trail.body());
        java.util.Set<String> refusedCodes = new java.util.HashSet<>();
        java.util.List<String> drainStates = new java.util.ArrayList<>();
        for (JsonNode event : JSON.readTree(trail.body()).path("events")) {
            if (event.path("kind").asText().equals("caller-refused")) {
                refusedCodes.add(event.path("details").path("code").asText());
            }
            if (event.path("kind").asText().equals("drain-state") && event.path("subject").asText().equals(agent.computerName())) {
                drainStates.add(event.path("details").path("to").asText());
            }
        }
        assertTrue(refusedCodes.containsAll(java.util.List.of("attestation_required", "untrusted_signer", "bad_signature",
                "expired_attestation", "wrong_subscription", "unknown_machine", "unknown_nonce", "replayed_attestation",
                "forbidden", "bad_credential")), "refusals on the trail: " + refusedCodes);
        assertEquals("requested", drainStates.isEmpty() ? "" : drainStates.get(0), "the agent's own drain: " + drainStates);
        assertFalse(trail.body().contains("SWMTKN-"), "a join token on the trail");
        assertFalse(trail.body().contains(credential.substring(4, 40)) || trail.body().contains(second.substring(4, 40)),
                "a credential on the trail");
        assertFalse(trail.body().contains(genuine.path("signature").asText().substring(0, 40)), "a document on the trail");
        assertFalse(trail.body().contains(cluster.masterKey()) || trail.body().contains(cluster.key()), "a key on the trail");
    }

    private static void assertRefused(HttpResponse<String> response, int status, String code) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(code, body.path("error").asText(), response.body());
        assertFalse(body.path("message").asText().isEmpty(), response.body());
    }

    private static String nonce() throws Exception {
        HttpResponse<String> response = get("/api/node/nonce", null);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).path("nonce").asText();
    }

    private static HttpResponse<String> join(JsonNode attestation, String nonce, String role) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("role", role).put("nonce", nonce);
        body.set("attestation", attestation);
        return post("/api/node/join", body.toString(), null);
    }

    private static HttpResponse<String> post(String path, String body, String credential) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(cluster.host().uri(path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (credential != null) {
            request.header("Authorization", "Bearer " + credential);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String credential) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(cluster.host().uri(path)).GET();
        if (credential != null) {
            request.header("Authorization", "Bearer " + credential);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The document as the agent gets it: inside its node, through the IMDS guard's helpers' namespace. */
    private static String imdsInNode(String nonce) throws Exception {
        List<String> command = new java.util.ArrayList<>(curl(nonce, List.of()));
        command.set(0, "/usr/local/sbin/harbormaster-imds-curl");
        return run(cluster.emulator().machines().inNode(agent.name(), command));
    }

    /** The manager VM is the bridge address: IMDS answers a call from it as the manager's. */
    private static String imdsAsManager(String nonce) throws Exception {
        String bridge = cluster.emulator().settings().bridgeAddress().getHostAddress();
        return run(new ProcessBuilder(curl(nonce, List.of("--interface", bridge))));
    }

    private static List<String> curl(String nonce, List<String> options) {
        URI imds = cluster.emulator().imds().url();
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-fsS", "--max-time", "10", "-H", "Metadata: true"));
        command.addAll(options);
        command.add(imds + "/metadata/attested/document?api-version=" + IMDS_VERSION + "&nonce=" + nonce);
        return command;
    }

    private static String run(ProcessBuilder builder) throws Exception {
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "curl finished");
        assertEquals(0, process.exitValue(), "curl to IMDS: " + output);
        return output;
    }

    private static int replayMarks() {
        if (!trustContainer.exists()) {
            return 0;
        }
        return (int) trustContainer.listBlobs(new ListBlobsOptions().setPrefix(BlobTrustStore.REPLAY_PREFIX), null).stream()
                .count();
    }

    private static ObjectNode content(String nonce, String vmId, String subscription, Instant createdOn) {
        ObjectNode document = JSON.createObjectNode().put("nonce", nonce);
        document.set("plan", JSON.createObjectNode().put("name", "").put("product", "").put("publisher", ""));
        document.put("sku", "").put("subscriptionId", subscription);
        document.set("timeStamp", JSON.createObjectNode().put("createdOn", TIMESTAMP.format(createdOn))
                .put("expiresOn", TIMESTAMP.format(createdOn.plus(Duration.ofHours(6)))));
        return document.put("vmId", vmId);
    }

    private static JsonNode sign(JsonNode content, PrivateKey key, X509Certificate certificate) throws Exception {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(key), certificate));
        generator.addCertificate(new JcaX509CertificateHolder(certificate));
        byte[] der = generator.generate(new CMSProcessableByteArray(content.toString().getBytes(StandardCharsets.UTF_8)), true)
                .getEncoded(ASN1Encoding.DER);
        return JSON.createObjectNode().put("encoding", "pkcs7").put("signature", Base64.getEncoder().encodeToString(der));
    }

    /** The genuine document with one digit of its vmId changed inside the signed bytes. */
    private static JsonNode tampered(JsonNode genuine, String vmId) {
        byte[] der = Base64.getDecoder().decode(genuine.path("signature").asText());
        byte[] needle = vmId.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i <= der.length - needle.length; i++) {
            if (java.util.Arrays.equals(der, i, i + needle.length, needle, 0, needle.length)) {
                der[i + needle.length - 1] = (byte) (der[i + needle.length - 1] == 'a' ? 'b' : 'a');
                return JSON.createObjectNode().put("encoding", "pkcs7").put("signature", Base64.getEncoder().encodeToString(der));
            }
        }
        throw new AssertionError("the vmId is not in the signed bytes");
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static X509Certificate selfSigned(String subject, KeyPair keys) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Principal(subject), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), new X500Principal(subject),
                keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "eastus.metadata.azure.com")));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    }
}
