package io.harbormaster.emulator.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import io.harbormaster.emulator.cloud.StandaloneVm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A scale set in a resource group of its own (a Flexible pool's, as infra/cluster.json's flexibleResourceGroup): ARM
 * takes the group from the path, so the scale set, its VMs and their locks answer there with ids in that group, and
 * are not found under the cluster's group; the managers are found only under theirs; an unknown group is 404.
 */
class ResourceGroupRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FLEX = "hm-flex";
    private static final String FLEX_GROUP = "hm-flex-rg";
    private static final String API = "?api-version=" + EmulatorFixture.API_VERSION;
    private static final String LOCK_API = "?api-version=2017-04-01";
    private static final String SUBSCRIPTION = "/subscriptions/" + EmulatorFixture.SUBSCRIPTION + "/resourceGroups/";

    private EmulatorFixture emulator;

    @BeforeEach
    void start() throws IOException {
        emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(1)).withAgents(
                ScaleSetSpec.regular(FLEX, EmulatorFixture.LOCATION, EmulatorFixture.SKU, 1, "flex")
                        .withOrchestrationMode(ScaleSetSpec.FLEXIBLE).withResourceGroup(FLEX_GROUP));
        emulator.cloud.addStandaloneVm(new StandaloneVm("master0", UUID.randomUUID().toString(), "master0",
                InetAddress.getLoopbackAddress(), EmulatorFixture.LOCATION, EmulatorFixture.SKU, ""));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private static String compute(String group) {
        return SUBSCRIPTION + group + "/providers/Microsoft.Compute/";
    }

    private JsonNode get(String path) throws IOException {
        HttpResponse<String> response = emulator.send("GET", path, null);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void theScaleSetAndItsVmsAnswerInTheirGroupWithIdsThereAndAreNotFoundInTheClusters() throws IOException {
        JsonNode scaleSet = get(compute(FLEX_GROUP) + "virtualMachineScaleSets/" + FLEX + API);
        assertEquals(compute(FLEX_GROUP) + "virtualMachineScaleSets/" + FLEX, scaleSet.path("id").asText());
        String vm = emulator.cloud.flexibleVms(FLEX).get(0).name();
        JsonNode one = get(compute(FLEX_GROUP) + "virtualMachines/" + vm + API);
        assertEquals(compute(FLEX_GROUP) + "virtualMachines/" + vm, one.path("id").asText());
        String filter = "&$filter=" + URLEncoder.encode("'virtualMachineScaleSet/id' eq '" + compute(FLEX_GROUP)
                + "virtualMachineScaleSets/" + FLEX + "'", StandardCharsets.UTF_8).replace("+", "%20");
        assertEquals(1, get(compute(FLEX_GROUP) + "virtualMachines" + API + filter).path("value").size());
        JsonNode unfiltered = get(compute(FLEX_GROUP) + "virtualMachines" + API).path("value");
        assertEquals(1, unfiltered.size(), "the Flexible group lists its own VM and no manager: " + unfiltered);

        String cluster = EmulatorFixture.RESOURCE_GROUP;
        assertEquals(404, emulator.send("GET", compute(cluster) + "virtualMachineScaleSets/" + FLEX + API, null).statusCode());
        assertEquals(404, emulator.send("POST", compute(cluster) + "virtualMachines/" + vm + "/deallocate" + API, null).statusCode());
        JsonNode managers = get(compute(cluster) + "virtualMachines" + API).path("value");
        assertEquals(1, managers.size(), managers.toString());
        assertEquals("master0", managers.get(0).path("name").asText());
        assertEquals(404, emulator.send("GET", compute(FLEX_GROUP) + "virtualMachines/master0" + API, null).statusCode(),
                "a manager is not in the Flexible group");
        assertEquals(404, emulator.send("GET", compute(FLEX_GROUP) + "virtualMachineScaleSets/"
                + EmulatorFixture.SCALE_SET + API, null).statusCode(), "nor is the cluster's Uniform scale set");
        HttpResponse<String> unknown = emulator.send("GET", compute("no-such-rg") + "virtualMachines" + API, null);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("ResourceGroupNotFound"), unknown.body());
    }

    @Test
    void locksAreListedInTheGroupOfTheirVm() throws IOException {
        String vm = emulator.cloud.flexibleVms(FLEX).get(0).name();
        HttpResponse<String> put = emulator.send("PUT", compute(FLEX_GROUP) + "virtualMachines/" + vm
                + "/providers/Microsoft.Authorization/locks/hm-protect" + LOCK_API, "{\"properties\":{\"level\":\"CanNotDelete\"}}");
        assertEquals(201, put.statusCode(), put.body());
        JsonNode flexLocks = get(SUBSCRIPTION + FLEX_GROUP + "/providers/Microsoft.Authorization/locks" + LOCK_API).path("value");
        assertEquals(1, flexLocks.size());
        assertTrue(flexLocks.get(0).path("id").asText().startsWith(compute(FLEX_GROUP) + "virtualMachines/" + vm), flexLocks.toString());
        assertEquals(0, get(SUBSCRIPTION + EmulatorFixture.RESOURCE_GROUP + "/providers/Microsoft.Authorization/locks"
                + LOCK_API).path("value").size());
        assertEquals(404, emulator.send("PUT", compute(EmulatorFixture.RESOURCE_GROUP) + "virtualMachines/" + vm
                + "/providers/Microsoft.Authorization/locks/x" + LOCK_API, "{\"properties\":{\"level\":\"CanNotDelete\"}}").statusCode());
    }
}
