package io.harbormaster.local;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.RetryContext;
import com.microsoft.azure.functions.RpcException;
import com.microsoft.azure.functions.TraceContext;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;

/** One invocation's context: a fresh invocation id, the function's logger, W3C trace ids, no retry policy. */
public final class LocalExecutionContext implements ExecutionContext {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String functionName;
    private final String invocationId;
    private final TraceContext traceContext;

    private LocalExecutionContext(String functionName, String invocationId, TraceContext traceContext) {
        this.functionName = functionName;
        this.invocationId = invocationId;
        this.traceContext = traceContext;
    }

    /** A new invocation; {@code traceparent} continues the caller's trace when it is a valid W3C header. */
    public static LocalExecutionContext newInvocation(String functionName, String traceparent, String tracestate) {
        String parent = traceparent != null && traceparent.matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
                ? traceparent : "00-" + randomHex(16) + "-" + randomHex(8) + "-00";
        return new LocalExecutionContext(functionName, UUID.randomUUID().toString(),
                new Trace(parent, tracestate == null ? "" : tracestate, Map.of()));
    }

    /** The W3C trace context of the invocation. */
    public record Trace(String traceparent, String tracestate, Map<String, String> attributes) implements TraceContext {
        @Override
        public String getTraceparent() {
            return traceparent;
        }

        @Override
        public String getTracestate() {
            return tracestate;
        }

        @Override
        public Map<String, String> getAttributes() {
            return attributes;
        }
    }

    /** No retry policies run locally: every invocation is the first try of none. */
    public record NoRetry() implements RetryContext {
        @Override
        public int getRetrycount() {
            return 0;
        }

        @Override
        public int getMaxretrycount() {
            return 0;
        }

        @Override
        public RpcException getException() {
            return null;
        }
    }

    @Override
    public Logger getLogger() {
        return Logger.getLogger(functionName);
    }

    @Override
    public String getInvocationId() {
        return invocationId;
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public TraceContext getTraceContext() {
        return traceContext;
    }

    @Override
    public RetryContext getRetryContext() {
        return new NoRetry();
    }

    private static String randomHex(int bytes) {
        byte[] buffer = new byte[bytes];
        RANDOM.nextBytes(buffer);
        return HexFormat.of().formatHex(buffer);
    }
}
