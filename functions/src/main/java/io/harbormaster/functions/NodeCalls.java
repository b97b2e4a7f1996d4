package io.harbormaster.functions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.TrustAudit;
import io.harbormaster.trust.TrustRefusal;
import java.util.Map;
import java.util.Optional;

/** What the attested node routes share: reading a node's proof from a request, and answering a refusal. */
final class NodeCalls {
    static final String ATTESTATION = "attestation";
    static final String NONCE = "nonce";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A body that is not a JSON object; answered 400, nothing changes. */
    static final class BadBody extends RuntimeException {
        BadBody(String message) {
            super(message, null, false, false);
        }
    }

    private NodeCalls() {
    }

    /** The authority, or the refusal the routes answer while attestation is not configured. */
    static NodeAuthority authority(Optional<NodeAuthority> authority) {
        return authority.orElseThrow(() -> new TrustRefusal(TrustRefusal.Kind.NOT_CONFIGURED,
                "node attestation is not configured on this control plane (setting HARBORMASTER_ATTESTATION_TRUST_PEM)",
                null));
    }

    static ObjectNode emptyBody() {
        return JSON.createObjectNode();
    }

    /** The JSON object body; an empty body is an empty object. */
    static ObjectNode body(HttpRequestMessage<Optional<String>> request) {
        String text = request.getBody().orElse("");
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (JsonProcessingException e) {
            throw new BadBody("body is not valid JSON");
        }
        throw new BadBody("body must be a JSON object");
    }

    /** Takes the proof fields out of {@code body} (so what is left is the call's own) and the bearer credential. */
    static NodeAuthority.Proof proof(HttpRequestMessage<?> request, ObjectNode body) {
        JsonNode attestation = body.remove(ATTESTATION);
        JsonNode nonce = body.remove(NONCE);
        Optional<String> credential = header(request, "authorization")
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).trim());
        return new NodeAuthority.Proof(credential,
                attestation == null || attestation.isNull() ? Optional.empty() : Optional.of(attestation),
                nonce != null && nonce.isTextual() ? Optional.of(nonce.asText()) : Optional.empty());
    }

    /** 401, 403, 409, 429 or 503 with {"error","message"}, after an audit line naming the claimed caller. */
    static HttpResponseMessage refused(HttpRequestMessage<?> request, String route, TrustRefusal refusal,
            Optional<NodeAuthority> authority) {
        if (authority.isPresent()) {
            authority.get().refused(route, refusal);
        } else {
            TrustAudit.refused(route, refusal);
        }
        var builder = HttpReplies.errorBuilder(request, HttpStatus.valueOf(refusal.kind().status()),
                refusal.kind().code(), refusal.getMessage());
        refusal.retryAfter().ifPresent(wait -> builder.header("Retry-After", Long.toString(Math.max(1, wait.toSeconds()))));
        if (refusal.kind().status() == 401) {
            builder.header("WWW-Authenticate", "Bearer realm=\"harbormaster-nodes\"");
        }
        if (refusal.kind() == TrustRefusal.Kind.NOT_CONFIGURED) {
            builder.header("Retry-After", "60");
        }
        return builder.header("Cache-Control", "no-store").build();
    }

    /** Azure hands functions lower-cased header names; other hosts may not. */
    static Optional<String> header(HttpRequestMessage<?> request, String name) {
        return request.getHeaders().entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
