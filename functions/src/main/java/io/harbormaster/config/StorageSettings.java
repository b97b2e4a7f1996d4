package io.harbormaster.config;

/** The storage account that holds the drain queue and drain statuses: the Functions host's own. */
public record StorageSettings(String connectionString) {
    public static final String CONNECTION = "AzureWebJobsStorage";

    public static StorageSettings from(AppSettings settings) {
        return new StorageSettings(settings.required(CONNECTION,
                "a storage connection string (UseDevelopmentStorage=true for Azurite)"));
    }

    @Override
    public String toString() {
        // The connection string holds the account key.
        return "StorageSettings[connectionString=<redacted>]";
    }
}
