package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import java.util.Map;

/** One parsed request: {@code base} is the https URL (ending in "/") the caller reached us by, for absolute links. */
record ArmRequest(String method, String path, Map<String, String> query, Headers headers, JsonNode body, String base) {
    String header(String name) {
        return headers.getFirst(name);
    }
}
