package io.harbormaster.storage;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.scaleset.AzureScaleSet;
import java.util.Optional;

/**
 * Builds the blob and queue clients of one storage connection: from its connection string, or from its service URIs
 * with a token of the app's identity (the managed identity through App Service's endpoint, never IMDS). Every storage
 * client of the app and of the local host comes from here, so both kinds of connection work everywhere alike.
 */
public final class StorageClients {
    private final StorageSettings settings;
    private final Optional<TokenCredential> credential;
    private final Optional<HttpClient> http;

    private StorageClients(StorageSettings settings, Optional<TokenCredential> credential, Optional<HttpClient> http) {
        this.settings = settings;
        this.credential = credential;
        this.http = http;
    }

    /**
     * Production: an identity-based connection gets {@code <connection>__clientId}'s user-assigned identity, else the
     * app's credential ({@link AzureScaleSet#credential}: in Azure the system-assigned managed identity).
     *
     * @throws InvalidSettingException when a user-assigned identity is named where App Service's endpoint is missing
     */
    public static StorageClients connect(StorageSettings settings) {
        if (!settings.identityBased()) {
            return new StorageClients(settings, Optional.empty(), Optional.empty());
        }
        HttpClient http = HttpClient.createDefault();
        return new StorageClients(settings, Optional.of(credential(settings, http)), Optional.of(http));
    }

    /** With any credential and HTTP client: tests that trust a loopback certificate of their own. */
    public static StorageClients connect(StorageSettings settings, TokenCredential credential, HttpClient http) {
        return new StorageClients(settings, settings.identityBased() ? Optional.of(credential) : Optional.empty(),
                Optional.of(http));
    }

    private static TokenCredential credential(StorageSettings settings, HttpClient http) {
        if (settings.clientId().isEmpty()) {
            return AzureScaleSet.credential(http);
        }
        // Only App Service's endpoint is asked: without it azure-identity would try the Instance Metadata Service.
        if (absent(AzureCloud.IDENTITY_ENDPOINT) || absent(AzureCloud.IDENTITY_HEADER)) {
            throw new InvalidSettingException(settings.connection() + StorageSettings.CLIENT_ID, "names a user-assigned "
                    + "managed identity, whose tokens come from App Service's identity endpoint, but "
                    + AzureCloud.IDENTITY_ENDPOINT + " and " + AzureCloud.IDENTITY_HEADER + " are not both set");
        }
        return new ManagedIdentityCredentialBuilder().clientId(settings.clientId().get()).httpClient(http).build();
    }

    private static boolean absent(String variable) {
        String value = System.getenv(variable);
        return value == null || value.isBlank();
    }

    /**
     * Parses the connection string as the clients will, without sending anything, so that one that does not parse
     * stops the app at startup rather than at the first call that needs storage.
     *
     * @throws InvalidSettingException naming the connection
     */
    public StorageClients validated() {
        if (!settings.identityBased()) {
            connectionString(() -> new BlobServiceClientBuilder().connectionString(settings.connectionString().get()));
            connectionString(() -> new QueueClientBuilder().connectionString(settings.connectionString().get()));
        }
        return this;
    }

    public StorageSettings settings() {
        return settings;
    }

    /** A blob container's client; nothing is sent until the first call. */
    public BlobContainerClient container(String name, RequestRetryOptions retries) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().retryOptions(retries);
        http.ifPresent(builder::httpClient);
        if (settings.identityBased()) {
            builder.endpoint(settings.blobServiceUri().orElseThrow(() -> new IllegalStateException(
                    settings.connection() + " was read for queues only")).toString()).credential(credential.get());
        } else {
            connectionString(() -> builder.connectionString(settings.connectionString().get()));
        }
        return builder.buildClient().getBlobContainerClient(name);
    }

    /**
     * A queue's client, in the plain-text encoding host.json tells the queue trigger to expect; nothing is sent until
     * the first call.
     */
    public QueueClient queue(String name, RequestRetryOptions retries) {
        QueueClientBuilder builder = new QueueClientBuilder().queueName(name).retryOptions(retries)
                .messageEncoding(QueueMessageEncoding.NONE);
        http.ifPresent(builder::httpClient);
        if (settings.identityBased()) {
            builder.endpoint(settings.queueServiceUri().get().toString()).credential(credential.get());
        } else {
            connectionString(() -> builder.connectionString(settings.connectionString().get()));
        }
        return builder.buildClient();
    }

    private void connectionString(Runnable apply) {
        try {
            apply.run();
        } catch (RuntimeException e) {
            // The SDK's message may quote the string, and with it the account key.
            throw new InvalidSettingException(settings.connection(), "is not a valid storage connection string ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public String toString() {
        return "StorageClients[" + settings + "]";
    }
}
