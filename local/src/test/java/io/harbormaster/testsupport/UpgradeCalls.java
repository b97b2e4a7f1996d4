package io.harbormaster.testsupport;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.lifecycle.upgrade.BlobUpgradeStore;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The rolling upgrade as the emulated-cluster tests and the benchmark drive it: the model change and the operator's route. */
public final class UpgradeCalls {
    private static final ObjectMapper JSON = new ObjectMapper();

    private UpgradeCalls() {
    }

    /** Deletes the upgrade status a killed earlier run left: it would be answered instead of a new start. */
    public static void forgetUpgrade() {
        BlobContainerClient container = new BlobServiceClientBuilder()
                .connectionString(LocalServices.storageConnectionString()).buildClient()
                .getBlobContainerClient(BlobUpgradeStore.CONTAINER);
        if (container.exists()) {
            container.getBlobClient("upgrade.json").deleteIfExists();
        }
    }

    /** POST /api/upgrade with the master key. */
    public static HttpResponse<String> post(EmulatedCluster cluster, String body) throws Exception {
        return cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/upgrade"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** GET /api/upgrade's JSON. */
    public static JsonNode status(EmulatedCluster cluster) {
        try {
            return JSON.readTree(cluster.send(HttpRequest.newBuilder(cluster.host().uri("/api/upgrade")).GET()).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new model: the same agent cloud-config with one more comment line, so every instance is behind it. */
    public static void changeModel(EmulatedCluster cluster) throws Exception {
        changeModel(cluster, cluster.emulator().settings().scaleSetName());
    }

    /** As {@link #changeModel(EmulatedCluster)}, for the scale set {@code scaleSetName} (a pool's). */
    public static void changeModel(EmulatedCluster cluster, String scaleSetName) throws Exception {
        String config = new String(Base64.getDecoder().decode(cluster.emulator().customData()), StandardCharsets.UTF_8)
                + "\n# model " + System.nanoTime() + "\n";
        cluster.emulator().cloud().update(scaleSetName, new ScaleSetChange(null, null,
                Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)), null), null);
    }
}
