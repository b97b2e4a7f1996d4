package io.harbormaster.local;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.RetryContext;
import com.microsoft.azure.functions.RpcException;
import com.microsoft.azure.functions.TraceContext;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/** One invocation's context: a fresh invocation id, the function's logger, W3C trace ids, no retry policy. */
public final class LocalExecutionContext implements ExecutionContext {
    private static final Pattern TRACEPARENT = Pattern.compile("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");

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
        String parent = traceparent != null && TRACEPARENT.matcher(traceparent).matches()
                ? traceparent : "00-" + randomHex(16) + "-" + randomHex(8) + "-00";
        return new LocalExecutionContext(functionName, randomUuid().toString(),
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

    // Ids, not secrets: ThreadLocalRandom spares every request SecureRandom's shared lock and its reads of
    // /dev/urandom.
    private static String randomHex(int bytes) {
        byte[] buffer = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(buffer);
        return HexFormat.of().formatHex(buffer);
    }

    /** A version 4 (random) UUID, as {@link UUID#randomUUID()} makes, from the same non-secret source. */
    private static UUID randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low);
    }
}
