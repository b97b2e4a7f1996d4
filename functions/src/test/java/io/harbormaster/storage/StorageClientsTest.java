package io.harbormaster.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.storage.common.policy.RequestRetryOptions;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.StorageSettings;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class StorageClientsTest {
    private static final TokenCredential FIXED_TOKEN =
            context -> Mono.just(new AccessToken("test-token", OffsetDateTime.now().plusHours(1)));

    @Test
    void identityBasedClientsAddressTheServiceUris() {
        StorageSettings settings = StorageSettings.from(new AppSettings(Map.of(
                "AzureWebJobsStorage__blobServiceUri", "https://127.0.0.1:10443/devstoreaccount1",
                "AzureWebJobsStorage__queueServiceUri", "https://127.0.0.1:10444/devstoreaccount1")));
        StorageClients clients = StorageClients.connect(settings, FIXED_TOKEN, HttpClient.createDefault());
        assertEquals("https://127.0.0.1:10443/devstoreaccount1/drain-status",
                clients.container("drain-status", new RequestRetryOptions()).getBlobContainerUrl());
        assertEquals("https://127.0.0.1:10444/devstoreaccount1/drain-requests",
                clients.queue("drain-requests", new RequestRetryOptions()).getQueueUrl());
        assertEquals("devstoreaccount1", clients.queue("q", new RequestRetryOptions()).getAccountName());
    }

    @Test
    void aConnectionStringBuildsClientsWithoutAnyCredential() {
        StorageClients clients = StorageClients.connect(new StorageSettings("UseDevelopmentStorage=true"));
        assertEquals("http://127.0.0.1:10000/devstoreaccount1/capacity",
                clients.container("capacity", new RequestRetryOptions()).getBlobContainerUrl());
    }

    @Test
    void aMalformedConnectionStringNamesTheSettingButNotItsValue() {
        StorageClients clients = StorageClients.connect(new StorageSettings("AccountName=x;AccountKey=sekrit;nonsense"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> clients.queue("q", new RequestRetryOptions()));
        assertEquals("AzureWebJobsStorage", e.setting());
        assertFalse(e.getMessage().contains("sekrit"), e.getMessage());
    }

    @Test
    void aQueueOnlyConnectionHasNoBlobs() {
        StorageSettings settings = StorageSettings.forQueueTrigger(new AppSettings(Map.of(
                "Jobs__queueServiceUri", "https://acct.queue.core.windows.net")), "Jobs");
        StorageClients clients = StorageClients.connect(settings, FIXED_TOKEN, HttpClient.createDefault());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> clients.container("c", new RequestRetryOptions()));
        assertTrue(e.getMessage().contains("Jobs"), e.getMessage());
    }
}
