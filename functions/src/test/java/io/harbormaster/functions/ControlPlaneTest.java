package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.config.DockerSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.swarm.JoinTicket;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.CountingStorageEndpoint;
import io.harbormaster.testsupport.InMemorySwarm;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlPlaneTest {
    private static final Map<String, String> SCALE_SET = Map.of(
            ScaleSetSettings.SUBSCRIPTION_ID, "6f5c6a3e-1b0a-4c1e-9a57-2d1f0c7e8b42",
            ScaleSetSettings.RESOURCE_GROUP, "harbormaster-cluster-rg",
            ScaleSetSettings.SCALE_SET_NAME, "harbormaster-agents");

    @Test
    void theAzureScaleSetWhenItsNameIsSetAndNoneWithout() {
        io.harbormaster.scaleset.ScaleSet scaleSet = ControlPlane.scaleSet(new AppSettings(SCALE_SET)).orElseThrow();
        assertTrue(scaleSet.toString().contains("AzureScaleSet harbormaster-cluster-rg/harbormaster-agents, not used yet"),
                scaleSet.toString());
        assertEquals(Optional.empty(), ControlPlane.scaleSet(new AppSettings(Map.of())));
    }

    @Test
    void eachPoolsScaleSetAndImageCatalogComeFromOneSettingsObjectInThePoolsResourceGroup() {
        Map<String, String> settings = new HashMap<>(SCALE_SET);
        settings.remove(ScaleSetSettings.SCALE_SET_NAME);
        settings.put(ScaleSetSettings.POOLS, "[{\"name\":\"general\",\"scaleSet\":\"hm-general\",\"min\":0,\"max\":2},"
                + "{\"name\":\"flex\",\"scaleSet\":\"hm-flex\",\"min\":0,\"max\":2,\"mode\":\"Flexible\","
                + "\"resourceGroup\":\"hm-flex-rg\"}]");
        AppSettings app = new AppSettings(settings);
        Map<String, ControlPlane.PoolArm> arms = ControlPlane.poolArms(app,
                io.harbormaster.capacity.PoolSettings.from(app, io.harbormaster.capacity.CapacityPolicy.DEFAULTS));

        assertEquals(java.util.List.of("general", "flex"), java.util.List.copyOf(arms.keySet()));
        assertTrue(arms.get("general").scaleSet().toString().contains("harbormaster-cluster-rg/hm-general"),
                arms.get("general").scaleSet().toString());
        assertTrue(arms.get("general").images().toString().contains("AzureImageCatalog harbormaster-cluster-rg/hm-general"),
                arms.get("general").images().toString());
        assertTrue(arms.get("flex").scaleSet().toString().contains("hm-flex-rg/hm-flex"), arms.get("flex").toString());
        assertTrue(arms.get("flex").images().toString().contains("AzureImageCatalog hm-flex-rg/hm-flex"),
                arms.get("flex").images().toString());
    }

    @Test
    void anEmulatorUrlWithoutTheIdentityEndpointStopsTheAppNamingIt() {
        Map<String, String> settings = new java.util.HashMap<>(SCALE_SET);
        settings.put(AzureCloud.SETTING, "https://127.0.0.1:7443/");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> ControlPlane.scaleSet(new AppSettings(settings)));
        assertEquals(AzureCloud.IDENTITY_ENDPOINT, e.setting());
    }

    @Test
    void aJoinIsServedWhileStorageIsDownAndNothingIsSentToStorageBeforeACallNeedsIt() throws Exception {
        InMemorySwarm swarm = new InMemorySwarm(Clock.systemUTC());
        swarm.addManager("manager-1");
        Map<String, String> down = new HashMap<>(SCALE_SET);
        down.put(StorageSettings.CONNECTION, CountingStorageEndpoint.unreachableConnectionString());
        down.put(DockerSettings.HOSTS, "unix:///var/run/docker.sock");
        ControlPlane plane = ControlPlane.from(new AppSettings(down), docker -> swarm);
        try {
            JoinTicket ticket = plane.joinTickets().ticket(SwarmRole.WORKER);
            assertEquals(java.util.List.of("manager-1:2377"), ticket.managerAddresses());
            assertTrue(plane.capacityCheck().isPresent(), "the routes that need storage are there, to connect when called");
        } finally {
            plane.joinTickets().close();
        }

        try (CountingStorageEndpoint storage = new CountingStorageEndpoint()) {
            Map<String, String> up = new HashMap<>(down);
            up.put(StorageSettings.CONNECTION, storage.connectionString());
            ControlPlane counted = ControlPlane.from(new AppSettings(up), docker -> swarm);
            try {
                counted.joinTickets().ticket(SwarmRole.WORKER);
                counted.drainRequests();
                counted.drainWorker();
                assertEquals(0, storage.requests(), "building the control plane and a join sent nothing to storage");
                counted.capacityChecksQueue();
                int afterFirstUse = storage.requests();
                assertTrue(afterFirstUse >= 1, "the queue is created on its first use");
                counted.capacityChecksQueue();
                assertEquals(afterFirstUse, storage.requests(), "and only then");
                assertTrue(counted.warm(), "the warm-up creates the drain and capacity containers and queues");
                assertTrue(storage.requests() >= afterFirstUse + 3, "statuses, drain queue, capacity state: "
                        + storage.requests());
            } finally {
                counted.joinTickets().close();
            }
        }
    }

    @Test
    void aStorageConnectionStringThatDoesNotParseStillStopsStartupNamingIt() {
        Map<String, String> settings = new HashMap<>(SCALE_SET);
        settings.put(StorageSettings.CONNECTION, "AccountName=devstoreaccount1;not-a-pair");
        settings.put(DockerSettings.HOSTS, "unix:///var/run/docker.sock");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> ControlPlane.from(new AppSettings(settings), docker -> new InMemorySwarm(Clock.systemUTC())));
        assertEquals(StorageSettings.CONNECTION, e.setting());
        assertFalse(e.getMessage().contains("not-a-pair"), "the connection string is never echoed: " + e.getMessage());
    }

    @Test
    void theWarmUpWaitsForTheFirstTicketRead() throws Exception {
        InMemorySwarm swarm = new InMemorySwarm(Clock.systemUTC());
        swarm.addManager("manager-1");
        io.harbormaster.swarm.JoinTicketCache background =
                io.harbormaster.swarm.JoinTicketCache.refreshingInBackground(swarm, Clock.systemUTC());
        try {
            assertTrue(background.awaitFirstWarm(Duration.ofSeconds(10)));
            assertTrue(swarm.joinTicketReads() >= 1, "the first warm read the worker ticket");
        } finally {
            background.close();
        }
        assertFalse(new io.harbormaster.swarm.JoinTicketCache(swarm, Clock.systemUTC()).awaitFirstWarm(Duration.ZERO),
                "a cache without a background thread never warms by itself");
    }

    @Test
    void aBadJoinTokenRotationStopsTheAppNamingItBeforeAnythingConnects() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> ControlPlane.from(new AppSettings(Map.of(
                "HARBORMASTER_DOCKER_HOSTS", "unix:///nonexistent/harbormaster.sock",
                "AzureWebJobsStorage", "UseDevelopmentStorage=true",
                io.harbormaster.config.JoinTokenSettings.ROTATION, "monthly")), docker -> new InMemorySwarm(Clock.systemUTC())));
        assertEquals(io.harbormaster.config.JoinTokenSettings.ROTATION, e.setting());
        assertEquals("Setting HARBORMASTER_JOIN_TOKEN_ROTATION is 'monthly': expected a duration from 1h to 365d such as"
                + " P7D, 12h or 30d, or off", e.getMessage());
    }
}
