package io.harbormaster.emulator.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The emulator's single-VM and lock routes for a Flexible scale set, over raw HTTP, next to a Uniform one. */
class FlexibleRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FLEX = "hm-flex";
    private static final String API = "?api-version=" + EmulatorFixture.API_VERSION;
    private static final String LOCK_API = "?api-version=2017-04-01";

    private EmulatorFixture emulator;
    private String group;

    @BeforeEach
    void start() throws IOException {
        emulator = new EmulatorFixture().withAgents(EmulatorFixture.agents(1)).withAgents(
                ScaleSetSpec.regular(FLEX, EmulatorFixture.LOCATION, EmulatorFixture.SKU, 2, "flex")
                        .withOrchestrationMode(ScaleSetSpec.FLEXIBLE));
        group = "/subscriptions/" + EmulatorFixture.SUBSCRIPTION + "/resourceGroups/" + EmulatorFixture.RESOURCE_GROUP;
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private String vm(int index) {
        return emulator.cloud.flexibleVms(FLEX).get(index).name();
    }

    private static JsonNode body(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private String filter(String scaleSet) {
        return "&$filter=" + URLEncoder.encode("'virtualMachineScaleSet/id' eq '" + group
                + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + scaleSet + "'", StandardCharsets.UTF_8)
                .replace("+", "%20");
    }

    @Test
    void theScaleSetSaysFlexibleAndItsVmsAreListedByTheScaleSetFilterWithInstanceViews() throws IOException {
        JsonNode scaleSet = body(emulator.send("GET", group + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + FLEX + API, null));
        assertEquals("Flexible", scaleSet.path("properties").path("orchestrationMode").asText());

        HttpResponse<String> list = emulator.send("GET", group + "/providers/Microsoft.Compute/virtualMachines" + API
                + filter(FLEX) + "&$expand=instanceView", null);

        assertEquals(200, list.statusCode(), list.body());
        JsonNode vms = body(list).path("value");
        assertEquals(2, vms.size());
        JsonNode first = vms.get(0);
        assertTrue(first.path("name").asText().matches(FLEX + "_[0-9a-f]{8}"), first.toString());
        assertEquals(group + "/providers/Microsoft.Compute/virtualMachines/" + first.path("name").asText(), first.path("id").asText());
        assertTrue(first.path("properties").path("virtualMachineScaleSet").path("id").asText().endsWith("/" + FLEX));
        assertEquals("PowerState/running", first.path("properties").path("instanceView").path("statuses").get(1).path("code").asText());
        // A Uniform scale set's instances are not standard VMs: its filter lists none.
        assertEquals(0, body(emulator.send("GET", group + "/providers/Microsoft.Compute/virtualMachines" + API
                + filter(EmulatorFixture.SCALE_SET), null)).path("value").size());
    }

    @Test
    void instanceViewsNeedTheFilterAndPagesCarryIt() throws IOException {
        HttpResponse<String> unfiltered = emulator.send("GET", group + "/providers/Microsoft.Compute/virtualMachines" + API
                + "&$expand=instanceView", null);
        assertEquals(400, unfiltered.statusCode());
        assertEquals("InvalidParameter", body(unfiltered).path("error").path("code").asText());

        emulator.faults.pageSize(1);
        JsonNode page = body(emulator.send("GET", group + "/providers/Microsoft.Compute/virtualMachines" + API + filter(FLEX), null));
        assertEquals(1, page.path("value").size());
        String next = page.path("nextLink").asText();
        assertTrue(next.contains("$filter=") && next.contains("$skiptoken=" + vm(0)), next);
        JsonNode second = body(emulator.send("GET", next.substring(next.indexOf("/subscriptions/")), null));
        assertEquals(vm(1), second.path("value").get(0).path("name").asText());
        assertTrue(second.path("nextLink").isMissingNode());
    }

    @Test
    void aVmIsReadPoweredAndDeletedByItsName() throws IOException {
        String name = vm(0);
        String path = group + "/providers/Microsoft.Compute/virtualMachines/" + name;

        assertEquals(200, emulator.send("GET", path + API, null).statusCode());
        assertEquals("PowerState/running", body(emulator.send("GET", path + "/instanceView" + API, null))
                .path("statuses").get(1).path("code").asText());
        HttpResponse<String> deallocate = emulator.send("POST", path + "/deallocate" + API, null);
        assertEquals(202, deallocate.statusCode());
        assertTrue(deallocate.headers().firstValue("Azure-AsyncOperation").isPresent());
        assertEquals(404, emulator.send("GET", group + "/providers/Microsoft.Compute/virtualMachines/" + FLEX + "_00000000"
                + API, null).statusCode());

        HttpResponse<String> batch = emulator.send("POST", group + "/providers/Microsoft.Compute/virtualMachineScaleSets/"
                + FLEX + "/delete" + API, "{\"instanceIds\":[\"" + vm(1) + "\"]}");
        assertEquals(202, batch.statusCode(), batch.body());
    }

    @Test
    void theScaleSetVmApiAndManualUpgradeAreUniformOnly() throws IOException {
        String scaleSet = group + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + FLEX;
        for (HttpResponse<String> refused : List.of(
                emulator.send("GET", scaleSet + "/virtualMachines" + API, null),
                emulator.send("POST", scaleSet + "/manualupgrade" + API, "{\"instanceIds\":[\"" + vm(0) + "\"]}"),
                emulator.send("POST", scaleSet + "/reimage" + API, "{\"instanceIds\":[\"" + vm(0) + "\"]}"))) {
            assertEquals(409, refused.statusCode(), refused.body());
            assertEquals("OperationNotAllowed", body(refused).path("error").path("code").asText());
            assertTrue(body(refused).path("error").path("message").asText().contains("Flexible"), refused.body());
        }
    }

    @Test
    void aLockIsCreatedListedAndDeletedAndRefusesTheVmsDeleteMeanwhile() throws IOException {
        String name = vm(0);
        String lock = group + "/providers/Microsoft.Compute/virtualMachines/" + name + "/providers/Microsoft.Authorization/locks/keep";
        String body = "{\"properties\":{\"level\":\"CanNotDelete\",\"notes\":\"draining\"}}";

        assertEquals(201, emulator.send("PUT", lock + LOCK_API, body).statusCode());
        assertEquals(200, emulator.send("PUT", lock + LOCK_API, body).statusCode());
        assertEquals("CanNotDelete", body(emulator.send("GET", lock + LOCK_API, null)).path("properties").path("level").asText());
        JsonNode listed = body(emulator.send("GET", group + "/providers/Microsoft.Authorization/locks" + LOCK_API, null));
        assertEquals(List.of(lock), List.of(listed.path("value").get(0).path("id").asText()));
        assertEquals(400, emulator.send("GET", lock + API, null).statusCode(), "locks answer at their own api-version");

        HttpResponse<String> refused = emulator.send("DELETE", group + "/providers/Microsoft.Compute/virtualMachines/" + name
                + API, null);
        assertEquals(409, refused.statusCode());
        assertEquals("ScopeLocked", body(refused).path("error").path("code").asText());
        assertTrue(body(refused).path("error").path("message").asText().contains("Please remove the lock and try again."));
        assertEquals(2, emulator.cloud.flexibleVms(FLEX).size());

        assertEquals(200, emulator.send("DELETE", lock + LOCK_API, null).statusCode());
        assertEquals(204, emulator.send("DELETE", lock + LOCK_API, null).statusCode());
        assertEquals(202, emulator.send("DELETE", group + "/providers/Microsoft.Compute/virtualMachines/" + name + API, null)
                .statusCode());
        assertEquals(404, emulator.send("PUT", group + "/providers/Microsoft.Compute/virtualMachines/nobody/providers/"
                + "Microsoft.Authorization/locks/keep" + LOCK_API, body).statusCode());
    }

    @Test
    void imdsNamesAFlexibleVmByItsOwnResourceId() {
        InstanceSnapshot vm = emulator.cloud.flexibleVms(FLEX).get(0);
        assertEquals(FLEX, vm.scaleSetName());
        assertEquals(vm.name(), vm.instanceId());
    }
}
