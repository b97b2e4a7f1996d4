package io.harbormaster.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatusType;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** A function's HTTP response; the body is a String, a byte[] or any object that Jackson writes as JSON. */
public final class LocalHttpResponse implements HttpResponseMessage {
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final HttpStatusType status;
    private final Map<String, String> headers;
    private final Object body;

    private LocalHttpResponse(HttpStatusType status, Map<String, String> headers, Object body) {
        this.status = status;
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        this.headers = Collections.unmodifiableMap(copy);
        this.body = body;
    }

    public static Builder builder(HttpStatusType status) {
        return new Builder(status);
    }

    /** The bytes and content type the body goes out as. */
    public record EncodedBody(byte[] bytes, String contentType) {
    }

    @Override
    public HttpStatusType getStatus() {
        return status;
    }

    @Override
    public String getHeader(String name) {
        return headers.get(name);
    }

    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public Object getBody() {
        return body;
    }

    public EncodedBody encodedBody() {
        if (body == null) {
            return new EncodedBody(new byte[0], null);
        }
        if (body instanceof byte[] bytes) {
            return new EncodedBody(bytes, "application/octet-stream");
        }
        if (body instanceof CharSequence text) {
            return new EncodedBody(text.toString().getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
        }
        try {
            return new EncodedBody(JSON.writeValueAsBytes(body), "application/json; charset=utf-8");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The response body of type " + body.getClass().getName()
                    + " cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Builds a {@link LocalHttpResponse}; a later header of the same name replaces the earlier one. */
    public static final class Builder implements HttpResponseMessage.Builder {
        private HttpStatusType status;
        private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private Object body;

        private Builder(HttpStatusType status) {
            this.status = Objects.requireNonNull(status, "status");
        }

        @Override
        public Builder status(HttpStatusType newStatus) {
            this.status = Objects.requireNonNull(newStatus, "status");
            return this;
        }

        @Override
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        @Override
        public Builder body(Object newBody) {
            this.body = newBody;
            return this;
        }

        @Override
        public LocalHttpResponse build() {
            return new LocalHttpResponse(status, headers, body);
        }
    }
}
