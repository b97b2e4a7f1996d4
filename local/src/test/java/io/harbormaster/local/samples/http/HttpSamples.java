package io.harbormaster.local.samples.http;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** HTTP functions that exercise the local host: auth levels, methods, routes, bodies and failures. */
public class HttpSamples {
    /** How many times {@link #secure} ran; a rejected request must not count. */
    public static final AtomicInteger SECURE_CALLS = new AtomicInteger();
    public static final AtomicInteger CONSTRUCTIONS = new AtomicInteger();

    public HttpSamples() {
        CONSTRUCTIONS.incrementAndGet();
    }

    @FunctionName("hello")
    public HttpResponseMessage hello(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "hello/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("name") String name,
            ExecutionContext context) {
        String greeting = request.getQueryParameters().getOrDefault("greeting", "hello");
        return request.createResponseBuilder(HttpStatus.OK).body(greeting + " " + name).build();
    }

    @FunctionName("secure")
    public HttpResponseMessage secure(
            @HttpTrigger(name = "req", route = "secure") HttpRequestMessage<Optional<String>> request) {
        SECURE_CALLS.incrementAndGet();
        return request.createResponseBuilder(HttpStatus.OK).body("secret").build();
    }

    @FunctionName("adminOnly")
    public HttpResponseMessage adminOnly(
            @HttpTrigger(name = "req", route = "admin-only", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request) {
        return request.createResponseBuilder(HttpStatus.OK).body("admin").build();
    }

    @FunctionName("postOnly")
    public HttpResponseMessage postOnly(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "post-only",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request) {
        return request.createResponseBuilder(HttpStatus.CREATED).body(request.getBody().orElse("<none>")).build();
    }

    @FunctionName("boom")
    public HttpResponseMessage boom(
            @HttpTrigger(name = "req", route = "boom", authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request) {
        throw new IllegalStateException("kaboom");
    }

    @FunctionName("itemById")
    public HttpResponseMessage itemById(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "items/{id:int}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("id") int id) {
        return request.createResponseBuilder(HttpStatus.OK).body(Map.of("id", id, "doubled", id * 2)).build();
    }

    @FunctionName("itemByName")
    public HttpResponseMessage itemByName(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "items/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("name") String name) {
        return request.createResponseBuilder(HttpStatus.OK).body(Map.of("name", name)).build();
    }

    @FunctionName("files")
    public HttpResponseMessage files(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "files/{name?}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("name") String name) {
        return request.createResponseBuilder(HttpStatus.OK).body(name == null ? "<all>" : name).build();
    }

    /** Echoes what the function saw, with the body bound as a plain String. */
    @FunctionName("echo")
    public HttpResponseMessage echo(
            @HttpTrigger(name = "req", route = "echo", authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<String> request,
            ExecutionContext context) {
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("method", request.getHttpMethod().name());
        seen.put("uri", request.getUri().toString());
        seen.put("headers", request.getHeaders());
        seen.put("query", request.getQueryParameters());
        seen.put("body", request.getBody());
        seen.put("functionName", context.getFunctionName());
        seen.put("invocationId", context.getInvocationId());
        seen.put("logger", context.getLogger().getName());
        seen.put("traceparent", context.getTraceContext().getTraceparent());
        return request.createResponseBuilder(HttpStatus.OK).header("X-Sample", "echo").body(seen).build();
    }

    @FunctionName("plain")
    public HttpResponseMessage plain(
            @HttpTrigger(name = "req", authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request) {
        return request.createResponseBuilder(HttpStatus.OK).body(new byte[] {1, 2, 3}).build();
    }

    @FunctionName("slow")
    public HttpResponseMessage slow(
            @HttpTrigger(name = "req", route = "slow", authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request) throws InterruptedException {
        Thread.sleep(300);
        return request.createResponseBuilder(HttpStatus.OK).body("slept").build();
    }
}
