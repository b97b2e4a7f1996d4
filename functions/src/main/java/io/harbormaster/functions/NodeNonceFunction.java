package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.TrustRefusal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** GET /api/node/nonce (anonymous): a 10-digit nonce for the node to have IMDS sign into its attested document. */
public class NodeNonceFunction {
    static final String ROUTE = "node/nonce";

    private final Optional<NodeAuthority> authority;

    public NodeNonceFunction() {
        this(ControlPlane.instance().nodeAuthority());
    }

    NodeNonceFunction(Optional<NodeAuthority> authority) {
        this.authority = authority;
    }

    // Anonymous: a node has no key; the nonce is no secret, costs no storage, and proves nothing by itself.
    @FunctionName("node-nonce")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = ROUTE, authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.GET) {
            return HttpReplies.methodNotAllowed(request, "GET");
        }
        NodeAuthority nodes;
        try {
            nodes = NodeCalls.authority(authority);
        } catch (TrustRefusal refusal) {
            return NodeCalls.refused(request, ROUTE, refusal, authority);
        }
        String nonce = nodes.nonce();
        if (NodeCalls.header(request, "accept").filter(accept -> accept.contains("text/plain")
                && !accept.contains("application/json")).isPresent()) {
            return request.createResponseBuilder(HttpStatus.OK)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header("Cache-Control", "no-store")
                    .body(nonce + "\n")
                    .build();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("nonce", nonce);
        body.put("expiresInSeconds", nodes.nonceLifetime().toSeconds());
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store").build();
    }
}
