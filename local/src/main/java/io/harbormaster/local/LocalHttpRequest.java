package io.harbormaster.local;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import java.net.URI;
import java.util.Map;

/**
 * The request a function receives: header names lowercased as the Functions host delivers them, repeated headers
 * and query parameters joined with commas, and the body as the function's parameter type wants it.
 */
public record LocalHttpRequest<T>(URI uri, HttpMethod httpMethod, Map<String, String> headers,
        Map<String, String> queryParameters, T body) implements HttpRequestMessage<T> {

    public LocalHttpRequest {
        headers = Map.copyOf(headers);
        queryParameters = Map.copyOf(queryParameters);
    }

    @Override
    public URI getUri() {
        return uri;
    }

    @Override
    public HttpMethod getHttpMethod() {
        return httpMethod;
    }

    @Override
    public Map<String, String> getHeaders() {
        return headers;
    }

    @Override
    public Map<String, String> getQueryParameters() {
        return queryParameters;
    }

    @Override
    public T getBody() {
        return body;
    }

    @Override
    public HttpResponseMessage.Builder createResponseBuilder(HttpStatus status) {
        return LocalHttpResponse.builder(status);
    }

    @Override
    public HttpResponseMessage.Builder createResponseBuilder(HttpStatusType status) {
        return LocalHttpResponse.builder(status);
    }
}
