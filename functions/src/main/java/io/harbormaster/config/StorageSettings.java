package io.harbormaster.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A storage connection as the Functions host reads one (Learn: "Azure Functions developer guide", sections "Connecting
 * to host storage with an identity" and "Common properties for identity-based connections"): the setting named
 * {@code connection} holds a connection string; without it, settings under the prefix {@code <connection>__} describe
 * an identity-based connection. {@code AzureWebJobsStorage} is the app's: the drain queue, the drain statuses and the
 * capacity lease live in the Functions host's own account.
 *
 * <p>Exactly one of {@code connectionString} and the service URIs is set. The connection string holds the account
 * key, so it never appears in {@link #toString()} or in an error.
 */
public record StorageSettings(String connection, Optional<String> connectionString, Optional<URI> blobServiceUri,
        Optional<URI> queueServiceUri, Optional<String> clientId) {
    public static final String CONNECTION = "AzureWebJobsStorage";
    /** Identity-based: the account's name, for Azure's public cloud (the host derives both service URIs from it). */
    public static final String ACCOUNT_NAME = "__accountName";
    public static final String BLOB_SERVICE_URI = "__blobServiceUri";
    public static final String QUEUE_SERVICE_URI = "__queueServiceUri";
    /** The documented alias of {@code __queueServiceUri} for a connection that only a queue trigger uses. */
    public static final String SERVICE_URI = "__serviceUri";
    /** Identity-based: {@code managedidentity}, the only value the host knows. */
    public static final String CREDENTIAL = "__credential";
    /** Identity-based: the client id of the user-assigned identity to use instead of the system-assigned one. */
    public static final String CLIENT_ID = "__clientId";

    private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}");
    // The host builds https://<name>.blob.core.windows.net from __accountName, so it fits the public cloud only.
    private static final String PUBLIC_CLOUD_SUFFIX = "core.windows.net";

    public StorageSettings {
        if (connectionString.isPresent() == (blobServiceUri.isPresent() || queueServiceUri.isPresent())) {
            throw new IllegalArgumentException("a storage connection is either a connection string or service URIs");
        }
    }

    /** A connection string for {@code AzureWebJobsStorage}, as Azurite's in the integration tests. */
    public StorageSettings(String connectionString) {
        this(CONNECTION, Optional.of(connectionString), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The app's connection, {@code AzureWebJobsStorage}: it needs both blobs and queues. */
    public static StorageSettings from(AppSettings settings) {
        return forServices(settings, CONNECTION, true);
    }

    /**
     * A queue trigger's {@code connection}, resolved as the host resolves it: the name itself, else the name prefixed
     * with {@code AzureWebJobs}; only the queue service is needed.
     */
    public static StorageSettings forQueueTrigger(AppSettings settings, String connection) {
        String prefixed = "AzureWebJobs" + connection;
        if (!connection.startsWith("AzureWebJobs") && !configured(settings, connection)
                && configured(settings, prefixed)) {
            return forServices(settings, prefixed, false);
        }
        return forServices(settings, connection, false);
    }

    /** Whether this connection uses an identity (a token) rather than the account key. */
    public boolean identityBased() {
        return connectionString.isEmpty();
    }

    private static boolean configured(AppSettings settings, String connection) {
        return settings.optional(connection).isPresent()
                || settings.optional(connection + ACCOUNT_NAME).isPresent()
                || settings.optional(connection + BLOB_SERVICE_URI).isPresent()
                || settings.optional(connection + QUEUE_SERVICE_URI).isPresent()
                || settings.optional(connection + SERVICE_URI).isPresent();
    }

    private static StorageSettings forServices(AppSettings settings, String connection, boolean needsBlobs) {
        // "If the configured value is both an exact match for a single setting and a prefix match for other
        // settings, the exact match is used" (Learn, the storage bindings' "Connections" section).
        Optional<String> connectionString = settings.optional(connection);
        if (connectionString.isPresent()) {
            return new StorageSettings(connection, connectionString, Optional.empty(), Optional.empty(), Optional.empty());
        }
        Optional<String> account = settings.optional(connection + ACCOUNT_NAME);
        account.ifPresent(name -> {
            if (!ACCOUNT.matcher(name).matches()) {
                throw new InvalidSettingException(connection + ACCOUNT_NAME, "is '" + name
                        + "': expected a storage account name (3 to 24 lowercase letters and digits)");
            }
        });
        Optional<URI> queue = serviceUri(settings, connection + QUEUE_SERVICE_URI)
                .or(() -> needsBlobs ? Optional.empty() : serviceUri(settings, connection + SERVICE_URI))
                .or(() -> account.map(name -> URI.create("https://" + name + ".queue." + PUBLIC_CLOUD_SUFFIX)));
        Optional<URI> blob = serviceUri(settings, connection + BLOB_SERVICE_URI)
                .or(() -> account.map(name -> URI.create("https://" + name + ".blob." + PUBLIC_CLOUD_SUFFIX)));
        if (queue.isEmpty() && (!needsBlobs || blob.isEmpty())) {
            throw new InvalidSettingException(connection, "is missing: expected a storage connection string "
                    + "(UseDevelopmentStorage=true for Azurite), or an identity-based connection: "
                    + connection + ACCOUNT_NAME + ", or " + (needsBlobs
                            ? connection + BLOB_SERVICE_URI + " and " + connection + QUEUE_SERVICE_URI
                            : connection + QUEUE_SERVICE_URI));
        }
        if (queue.isEmpty()) {
            throw new InvalidSettingException(connection + QUEUE_SERVICE_URI, "is missing: "
                    + connection + BLOB_SERVICE_URI + " is set, and the app needs the queue service too "
                    + "(or set " + connection + ACCOUNT_NAME + " instead of both)");
        }
        if (needsBlobs && blob.isEmpty()) {
            throw new InvalidSettingException(connection + BLOB_SERVICE_URI, "is missing: "
                    + connection + QUEUE_SERVICE_URI + " is set, and the app needs the blob service too "
                    + "(or set " + connection + ACCOUNT_NAME + " instead of both)");
        }
        settings.optional(connection + CREDENTIAL).ifPresent(credential -> {
            if (!credential.toLowerCase(Locale.ROOT).equals("managedidentity")) {
                throw new InvalidSettingException(connection + CREDENTIAL, "is '" + credential
                        + "': expected managedidentity (or leave it unset)");
            }
        });
        Optional<String> clientId = settings.optional(connection + CLIENT_ID);
        clientId.ifPresent(id -> {
            if (!GUID.matcher(id).matches()) {
                throw new InvalidSettingException(connection + CLIENT_ID, "is '" + id
                        + "': expected the client id (a GUID) of a user-assigned managed identity");
            }
        });
        return new StorageSettings(connection, Optional.empty(), needsBlobs ? blob : Optional.empty(), queue, clientId);
    }

    private static Optional<URI> serviceUri(AppSettings settings, String name) {
        return settings.optional(name).map(value -> {
            try {
                URI uri = new URI(value);
                // The storage SDK sends a bearer token over https only, as the documented example URIs are.
                if ("https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && uri.getRawQuery() == null
                        && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below with what is expected
            }
            throw new InvalidSettingException(name, "is '" + value + "': expected the https URI of the service, "
                    + "such as https://<account>." + (name.endsWith(BLOB_SERVICE_URI) ? "blob" : "queue") + "."
                    + PUBLIC_CLOUD_SUFFIX + " (Azurite: https://127.0.0.1:<port>/devstoreaccount1)");
        });
    }

    @Override
    public String toString() {
        // The connection string holds the account key.
        return identityBased()
                ? "StorageSettings[" + connection + ", identity, blob " + blobServiceUri.map(URI::toString).orElse("-")
                        + ", queue " + queueServiceUri.map(URI::toString).orElse("-")
                        + clientId.map(id -> ", user-assigned identity " + id).orElse("") + "]"
                : "StorageSettings[" + connection + ", connectionString=<redacted>]";
    }
}
