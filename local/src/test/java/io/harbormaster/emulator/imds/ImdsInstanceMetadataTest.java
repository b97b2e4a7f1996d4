package io.harbormaster.emulator.imds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImdsInstanceMetadataTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ImdsTestServer imds;

    @BeforeEach
    void start() throws Exception {
        imds = new ImdsTestServer();
    }

    @AfterEach
    void stop() {
        imds.close();
    }

    @Test
    void instanceDocumentCarriesTheCallersComputeFieldsAndAddress() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").get("/metadata/instance?api-version=2021-02-01");

        assertEquals(200, response.status());
        assertTrue(response.contentType().startsWith("application/json"), response.contentType());
        JsonNode compute = JSON.readTree(response.body()).path("compute");
        assertEquals(ImdsTestServer.VM0, compute.path("name").asText());
        assertEquals(ImdsTestServer.VM0_ID, compute.path("vmId").asText());
        assertEquals("ss", compute.path("vmScaleSetName").asText());
        assertEquals("11111111-2222-3333-4444-555555555555", compute.path("subscriptionId").asText());
        assertEquals("rg-harbormaster", compute.path("resourceGroupName").asText());
        assertTrue(compute.path("resourceId").asText().endsWith("/virtualMachineScaleSets/ss/virtualMachines/0"));
        assertEquals("westeurope", compute.path("location").asText());
        assertEquals("Standard_B2s", compute.path("vmSize").asText());
        assertEquals("2", compute.path("zone").asText());
        assertEquals("Spot", compute.path("priority").asText());
        assertEquals("Delete", compute.path("evictionPolicy").asText());
        assertEquals("Linux", compute.path("osType").asText());
        assertEquals("pool:spot;role:worker", compute.path("tags").asText());
        assertEquals("spot", compute.path("tagsList").path(0).path("value").asText());
        assertEquals("", compute.path("offer").asText(), "inapplicable values are empty strings");
        assertEquals("127.0.0.2", JSON.readTree(response.body())
                .at("/network/interface/0/ipv4/ipAddress/0/privateIpAddress").asText());
    }

    @Test
    void eachVmSeesItsOwnNameAsTextTheWayTheAgentAsks() throws Exception {
        // The terminate watcher's exact request (cloud-init/agent.yml).
        String agentPath = "/metadata/instance/compute/name?api-version=2021-02-01&format=text";

        ImdsClient.Response first = imds.as("127.0.0.2").get(agentPath);
        ImdsClient.Response second = imds.as("127.0.0.3").get(agentPath);

        assertEquals(200, first.status());
        assertTrue(first.contentType().startsWith("text/plain"), first.contentType());
        assertEquals(ImdsTestServer.VM0, first.body());
        assertEquals(ImdsTestServer.VM1, second.body());
    }

    @Test
    void leavesDeeperDownAndArrayIndexesAreRoutes() throws Exception {
        assertEquals("127.0.0.3", imds.as("127.0.0.3")
                .get("/metadata/instance/network/interface/0/ipv4/ipAddress/0/privateIpAddress?api-version=2021-02-01&format=text")
                .body());
        assertEquals(ImdsTestServer.VM1_ID, imds.as("127.0.0.3")
                .get("/metadata/instance/compute/vmId?api-version=2025-04-07&format=text").body());
    }

    @Test
    void anObjectRouteAnswersJsonByDefault() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").get("/metadata/instance/compute/tagsList?api-version=2021-02-01");

        assertEquals(200, response.status());
        assertEquals("[{\"name\":\"pool\",\"value\":\"spot\"},{\"name\":\"role\",\"value\":\"worker\"}]", response.body());
    }

    @Test
    void aLeafWithoutFormatTextIsABadRequest() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").get("/metadata/instance/compute/name?api-version=2021-02-01");

        assertEquals(400, response.status());
        assertTrue(JSON.readTree(response.body()).path("error").asText().startsWith("Bad request."), response.body());
    }

    @Test
    void aMissingElementIsNotFound() throws Exception {
        assertEquals(404, imds.as("127.0.0.2").get("/metadata/instance/compute/nothing?api-version=2021-02-01&format=text").status());
        assertEquals(404, imds.as("127.0.0.2").get("/metadata/instance/network/interface/7?api-version=2021-02-01").status());
    }

    @Test
    void versionsNeedNoApiVersion() throws Exception {
        ImdsClient.Response response = imds.as("127.0.0.2").get("/metadata/versions");

        assertEquals(200, response.status());
        JsonNode versions = JSON.readTree(response.body()).path("apiVersions");
        assertEquals("2017-03-01", versions.path(0).asText());
        assertEquals("2025-04-07", versions.path(versions.size() - 1).asText());
    }
}
