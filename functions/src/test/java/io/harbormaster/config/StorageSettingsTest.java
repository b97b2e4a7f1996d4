package io.harbormaster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StorageSettingsTest {
    private static final String KEYED = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleQ==";

    private static StorageSettings app(Map<String, String> values) {
        return StorageSettings.from(new AppSettings(values));
    }

    @Test
    void aConnectionStringIsUsedAsItIsAndNeverShown() {
        StorageSettings settings = app(Map.of("AzureWebJobsStorage", KEYED));
        assertFalse(settings.identityBased());
        assertEquals(Optional.of(KEYED), settings.connectionString());
        assertFalse(settings.toString().contains("c2VjcmV0"), settings.toString());
    }

    @Test
    void theExactSettingWinsOverPrefixedOnes() {
        StorageSettings settings = app(Map.of("AzureWebJobsStorage", KEYED, "AzureWebJobsStorage__accountName", "other"));
        assertFalse(settings.identityBased());
    }

    @Test
    void anAccountNameGivesThePublicCloudsServiceUris() {
        StorageSettings settings = app(Map.of("AzureWebJobsStorage__accountName", "hmabc123"));
        assertTrue(settings.identityBased());
        assertEquals(Optional.of(URI.create("https://hmabc123.blob.core.windows.net")), settings.blobServiceUri());
        assertEquals(Optional.of(URI.create("https://hmabc123.queue.core.windows.net")), settings.queueServiceUri());
        assertEquals(Optional.empty(), settings.clientId());
    }

    @Test
    void serviceUrisWinOverTheAccountName() {
        StorageSettings settings = app(Map.of(
                "AzureWebJobsStorage__accountName", "ignored",
                "AzureWebJobsStorage__blobServiceUri", "https://127.0.0.1:10443/devstoreaccount1",
                "AzureWebJobsStorage__queueServiceUri", "https://127.0.0.1:10444/devstoreaccount1",
                "AzureWebJobsStorage__credential", "managedidentity",
                "AzureWebJobsStorage__clientId", "00000000-0000-0000-0000-0000000000ab"));
        assertEquals(Optional.of(URI.create("https://127.0.0.1:10443/devstoreaccount1")), settings.blobServiceUri());
        assertEquals(Optional.of(URI.create("https://127.0.0.1:10444/devstoreaccount1")), settings.queueServiceUri());
        assertEquals(Optional.of("00000000-0000-0000-0000-0000000000ab"), settings.clientId());
    }

    @Test
    void nothingSetNamesTheSettingAndBothWaysToSetIt() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> app(Map.of()));
        assertEquals("AzureWebJobsStorage", e.setting());
        assertTrue(e.getMessage().contains("AzureWebJobsStorage__accountName"), e.getMessage());
        assertTrue(e.getMessage().contains("AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__queueServiceUri"),
                e.getMessage());
    }

    @Test
    void theAppNeedsBothServices() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> app(Map.of(
                "AzureWebJobsStorage__queueServiceUri", "https://acct.queue.core.windows.net")));
        assertEquals("AzureWebJobsStorage__blobServiceUri", e.setting());
        e = assertThrows(InvalidSettingException.class, () -> app(Map.of(
                "AzureWebJobsStorage__blobServiceUri", "https://acct.blob.core.windows.net")));
        assertEquals("AzureWebJobsStorage__queueServiceUri", e.setting());
    }

    @Test
    void aServiceUriMustBeHttpsBecauseTheTokenTravelsOnlyThere() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> app(Map.of(
                "AzureWebJobsStorage__blobServiceUri", "http://127.0.0.1:10000/devstoreaccount1",
                "AzureWebJobsStorage__queueServiceUri", "https://127.0.0.1:10001/devstoreaccount1")));
        assertEquals("AzureWebJobsStorage__blobServiceUri", e.setting());
    }

    @Test
    void badIdentityDetailsAreNamed() {
        assertEquals("AzureWebJobsStorage__accountName", assertThrows(InvalidSettingException.class,
                () -> app(Map.of("AzureWebJobsStorage__accountName", "Not_An_Account"))).setting());
        assertEquals("AzureWebJobsStorage__credential", assertThrows(InvalidSettingException.class,
                () -> app(Map.of("AzureWebJobsStorage__accountName", "acct", "AzureWebJobsStorage__credential",
                        "clientsecret"))).setting());
        assertEquals("AzureWebJobsStorage__clientId", assertThrows(InvalidSettingException.class,
                () -> app(Map.of("AzureWebJobsStorage__accountName", "acct", "AzureWebJobsStorage__clientId",
                        "my-identity"))).setting());
    }

    @Test
    void aQueueTriggerNeedsOnlyTheQueueServiceAndAcceptsTheServiceUriAlias() {
        StorageSettings settings = StorageSettings.forQueueTrigger(new AppSettings(Map.of(
                "Jobs__serviceUri", "https://acct.queue.core.windows.net")), "Jobs");
        assertEquals(Optional.of(URI.create("https://acct.queue.core.windows.net")), settings.queueServiceUri());
        assertEquals(Optional.empty(), settings.blobServiceUri());
        assertEquals("Jobs", settings.connection());
    }

    @Test
    void aQueueTriggerFallsBackToTheAzureWebJobsPrefixedName() {
        StorageSettings settings = StorageSettings.forQueueTrigger(new AppSettings(Map.of(
                "AzureWebJobsJobs__queueServiceUri", "https://acct.queue.core.windows.net")), "Jobs");
        assertEquals("AzureWebJobsJobs", settings.connection());
        StorageSettings keyed = StorageSettings.forQueueTrigger(new AppSettings(Map.of(
                "AzureWebJobsJobs", KEYED, "Jobs__queueServiceUri", "https://acct.queue.core.windows.net")), "Jobs");
        assertTrue(keyed.identityBased(), "the unprefixed name is looked at first, prefix settings included");
    }

    @Test
    void identityBasedToStringShowsWhereNotHow() {
        String text = app(Map.of("AzureWebJobsStorage__accountName", "hmabc123")).toString();
        assertTrue(text.contains("https://hmabc123.blob.core.windows.net"), text);
        assertTrue(text.contains("identity"), text);
    }
}
