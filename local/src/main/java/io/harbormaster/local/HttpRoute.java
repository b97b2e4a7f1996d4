package io.harbormaster.local;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** An HTTP-triggered function as its {@code @HttpTrigger} declares it: route, accepted methods, auth level. */
public record HttpRoute(String functionName, RouteTemplate template, Set<HttpMethod> methods,
        AuthorizationLevel authLevel, FunctionInvoker invoker) {

    public HttpRoute {
        methods = Set.copyOf(methods);
    }

    public static HttpRoute of(FunctionDefinition function) {
        HttpTrigger trigger = (HttpTrigger) function.trigger();
        String route = trigger.route().isBlank() ? function.name() : trigger.route();
        RouteTemplate template;
        try {
            template = RouteTemplate.parse(route);
        } catch (IllegalArgumentException e) {
            throw new LocalHostStartupException("Function " + function.name() + " (" + function.location() + "): "
                    + e.getMessage());
        }
        FunctionInvoker invoker = FunctionInvoker.create(function, parameter -> requestArgument(function,
                parameter.getParameterizedType()));
        return new HttpRoute(function.name(), template, Set.of(trigger.methods()), trigger.authLevel(), invoker);
    }

    public boolean accepts(HttpMethod method) {
        return methods.isEmpty() || methods.contains(method);
    }

    /** The listing line, e.g. {@code join: GET http://localhost:7071/api/join/{role} [FUNCTION]}. */
    public String describe(String baseUrl) {
        String verbs = methods.isEmpty() ? "ANY" : methods.stream().sorted().map(Enum::name)
                .collect(Collectors.joining(","));
        return functionName + ": " + verbs + " " + baseUrl + template + " [" + authLevel + "]";
    }

    // The host hands over the body as a String; an Optional<String> parameter sees an empty Optional for no body.
    private static FunctionInvoker.TriggerArgument requestArgument(FunctionDefinition function, Type type) {
        Type body = type instanceof ParameterizedType p && p.getRawType() == HttpRequestMessage.class
                ? p.getActualTypeArguments()[0] : null;
        if (type == HttpRequestMessage.class || isOptionalOfString(body)) {
            return value -> withOptionalBody((LocalHttpRequest<?>) value);
        }
        if (body == String.class) {
            return value -> value;
        }
        throw new LocalHostStartupException("Function " + function.name() + " (" + function.location()
                + "): the @HttpTrigger parameter is " + type.getTypeName()
                + "; the local host supports HttpRequestMessage<Optional<String>> and HttpRequestMessage<String>");
    }

    private static boolean isOptionalOfString(Type type) {
        return type instanceof ParameterizedType p && p.getRawType() == Optional.class
                && Arrays.equals(p.getActualTypeArguments(), new Type[] {String.class});
    }

    private static LocalHttpRequest<Optional<String>> withOptionalBody(LocalHttpRequest<?> request) {
        String text = (String) request.body();
        return new LocalHttpRequest<>(request.uri(), request.httpMethod(), request.headers(),
                request.queryParameters(), Optional.ofNullable(text).filter(s -> !s.isEmpty()));
    }
}
