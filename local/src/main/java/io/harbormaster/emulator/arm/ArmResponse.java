package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** One answer of the ARM surface: status, headers and a JSON body (null for none). */
record ArmResponse(int status, Map<String, String> headers, JsonNode body) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ArmResponse of(int status, JsonNode body) {
        return new ArmResponse(status, new LinkedHashMap<>(), body);
    }

    ArmResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** ARM's error body, compute's CloudError shape (common-types/v1/common.json): {"error":{"code","message","target"}}. */
    static ArmResponse error(int status, String code, String message, String target) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        if (target != null) {
            error.put("target", target);
        }
        return of(status, body);
    }

    static ArmResponse error(int status, String code, String message) {
        return error(status, code, message, null);
    }
}
