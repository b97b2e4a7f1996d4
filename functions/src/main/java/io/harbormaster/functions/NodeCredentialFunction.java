package io.harbormaster.functions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.trust.NodeAuthority;
import io.harbormaster.trust.NodeCredentials;
import io.harbormaster.trust.TrustAudit;
import io.harbormaster.trust.TrustRefusal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * POST /api/node/credential (anonymous; the node proves itself by attestation): a fresh short-lived credential, for a
 * node whose next call (reading or calling off its drain) takes no attested document.
 */
public class NodeCredentialFunction {
    static final String ROUTE = "node/credential";

    private final Optional<NodeAuthority> authority;

    public NodeCredentialFunction() {
        this(ControlPlane.instance().nodeAuthority());
    }

    NodeCredentialFunction(Optional<NodeAuthority> authority) {
        this.authority = authority;
    }

    @FunctionName("node-credential")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = ROUTE, authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.POST) {
            return HttpReplies.methodNotAllowed(request, "POST");
        }
        try {
            NodeAuthority nodes = NodeCalls.authority(authority);
            ObjectNode body = NodeCalls.body(request);
            NodeAuthority.Proof proof = NodeCalls.proof(request, body);
            if (body.size() > 0) {
                throw new NodeCalls.BadBody("unknown field '" + body.fieldNames().next() + "'; expected nonce, attestation");
            }
            NodeAuthority.Authenticated caller = nodes.authenticate(proof);
            NodeCredentials.Issued issued = nodes.admitCredential(caller);
            TrustAudit.granted(ROUTE, caller.machine(), "credential");
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("machine", NodeJoinFunction.machine(caller));
            reply.put("credential", issued.credential());
            reply.put("credentialExpiresAt", issued.expiresAt().toString());
            return HttpReplies.jsonBuilder(request, HttpStatus.OK, reply).header("Cache-Control", "no-store").build();
        } catch (NodeCalls.BadBody e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_body", e.getMessage());
        } catch (TrustRefusal refusal) {
            return NodeCalls.refused(request, ROUTE, refusal, authority);
        }
    }
}
