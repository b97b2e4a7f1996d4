package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.harbormaster.local.LocalExecutionContext;
import io.harbormaster.local.LocalHttpRequest;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The webhook's checks that need no scale set: malformed notifications are refused before anything is read. */
class AutoscaleFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AutoscaleFunction function = new AutoscaleFunction(Optional.empty(), () -> {
        throw new AssertionError("nothing may be queued for a refused notification");
    });

    private static final String VALID = """
            {"version":"1.0","status":"Activated","operation":"Scale Out","context":{
             "resourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/agents",
             "oldCapacity":"2","newCapacity":"3"}}""";

    private HttpResponseMessage post(HttpMethod method, String body) {
        return function.run(new LocalHttpRequest<>(URI.create("http://localhost/api/autoscale"), method, Map.of(), Map.of(),
                Optional.ofNullable(body)), LocalExecutionContext.newInvocation("autoscale", null, null));
    }

    private static void assertError(HttpResponseMessage response, int status, String code) throws Exception {
        assertEquals(status, response.getStatusCode());
        JsonNode body = JSON.readTree(String.valueOf(response.getBody()));
        assertEquals(code, body.path("error").asText(), body.toString());
        assertTrue(body.path("message").asText().length() > 10, body.toString());
    }

    @Test
    void malformedNotificationsAre400() throws Exception {
        assertError(post(HttpMethod.POST, "{"), 400, "invalid_body");
        assertError(post(HttpMethod.POST, "[]"), 400, "invalid_body");
        assertError(post(HttpMethod.POST, VALID.replace("Scale Out", "Scale Sideways")), 400, "invalid_body");
        assertError(post(HttpMethod.POST, VALID.replace("\"3\"", "\"three\"")), 400, "invalid_body");
        assertError(post(HttpMethod.POST, VALID.replace("\"oldCapacity\":\"2\",", "")), 400, "invalid_body");
        assertError(post(HttpMethod.POST, VALID.replace("\"resourceId\"", "\"resource\"")), 400, "invalid_body");
    }

    @Test
    void otherMethodsAre405AndWithoutAScaleSetAValidNotificationIs409() throws Exception {
        assertError(post(HttpMethod.GET, null), 405, "method_not_allowed");
        assertError(post(HttpMethod.POST, VALID), 409, "no_scale_set");
    }
}
