package io.harbormaster.functions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON replies every function shares, errors included: {"error": code, "message": text}. */
final class HttpReplies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpReplies() {
    }

    static HttpResponseMessage json(HttpRequestMessage<?> request, HttpStatus status, Object body) {
        return jsonBuilder(request, status, body).build();
    }

    static HttpResponseMessage error(HttpRequestMessage<?> request, HttpStatus status, String code, String message) {
        return errorBuilder(request, status, code, message).build();
    }

    static HttpResponseMessage methodNotAllowed(HttpRequestMessage<?> request, String allowed) {
        return errorBuilder(request, HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                request.getHttpMethod() + " is not supported here: use " + allowed)
                .header("Allow", allowed)
                .build();
    }

    static HttpResponseMessage unavailable(HttpRequestMessage<?> request, Duration retryAfter, String code, String message) {
        return errorBuilder(request, HttpStatus.SERVICE_UNAVAILABLE, code, message)
                .header("Retry-After", Long.toString(retryAfter.toSeconds()))
                .build();
    }

    static HttpResponseMessage.Builder errorBuilder(
            HttpRequestMessage<?> request, HttpStatus status, String code, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return jsonBuilder(request, status, body);
    }

    static HttpResponseMessage.Builder jsonBuilder(HttpRequestMessage<?> request, HttpStatus status, Object body) {
        try {
            return request.createResponseBuilder(status)
                    .header("Content-Type", "application/json")
                    .body(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("reply is not serialisable: " + body.getClass().getName(), e);
        }
    }

    /** Echoes user input back only in a bounded, printable form. */
    static String quote(String input) {
        String printable = input == null ? "" : input.replaceAll("[^\\x20-\\x7e]", "?");
        return "'" + (printable.length() > 64 ? printable.substring(0, 64) + "..." : printable) + "'";
    }
}
