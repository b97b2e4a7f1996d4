package io.harbormaster.local;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.BindingName;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Calls one function with its arguments bound the way the Functions host binds them: the trigger value, binding
 * data by {@code @BindingName} (route values, query parameters, queue message metadata) and the
 * {@link ExecutionContext}. Parameters it cannot bind fail at startup, not at the first invocation.
 */
public final class FunctionInvoker {
    private static final Set<Class<?>> BINDABLE = Set.of(String.class, Object.class, int.class, Integer.class,
            long.class, Long.class, boolean.class, Boolean.class, double.class, Double.class, OffsetDateTime.class,
            Instant.class);

    private final FunctionDefinition function;
    private final ArgumentSource[] sources;

    /** Turns the raw trigger value into what the trigger parameter is declared as. */
    @FunctionalInterface
    public interface TriggerArgument {
        Object convert(Object triggerValue) throws Exception;
    }

    /** What one invocation brings: the trigger value and its binding data (case-insensitive names). */
    public record Invocation(Object triggerValue, Map<String, ?> bindingData, ExecutionContext context) {
    }

    /** The function threw (or its arguments could not be bound); the cause is what it threw. */
    public static final class FunctionFailedException extends Exception {
        public FunctionFailedException(Throwable cause) {
            super(cause.getClass().getName() + ": " + cause.getMessage(), cause);
        }
    }

    @FunctionalInterface
    private interface ArgumentSource {
        Object resolve(Invocation invocation) throws Exception;
    }

    private FunctionInvoker(FunctionDefinition function, ArgumentSource[] sources) {
        this.function = function;
        this.sources = sources;
    }

    /** {@code triggerArgument} maps the trigger parameter to its converter, or throws if the type is unsupported. */
    public static FunctionInvoker create(FunctionDefinition function,
            Function<Parameter, TriggerArgument> triggerArgument) {
        Method method = function.method();
        Parameter[] parameters = method.getParameters();
        ArgumentSource[] sources = new ArgumentSource[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            Parameter parameter = parameters[i];
            if (i == function.triggerParameterIndex()) {
                TriggerArgument converter = triggerArgument.apply(parameter);
                sources[i] = invocation -> converter.convert(invocation.triggerValue());
            } else if (parameter.getType() == ExecutionContext.class) {
                sources[i] = Invocation::context;
            } else if (parameter.isAnnotationPresent(BindingName.class)) {
                sources[i] = bindingData(function, parameter, parameter.getAnnotation(BindingName.class).value());
            } else {
                throw new LocalHostStartupException("Function " + function.name() + " (" + function.location()
                        + "): parameter '" + parameter.getName() + "' " + describe(parameter)
                        + " cannot be bound by the local host (supported: the trigger, ExecutionContext and "
                        + "@BindingName values)");
            }
        }
        return new FunctionInvoker(function, sources);
    }

    public FunctionDefinition function() {
        return function;
    }

    public Object invoke(Invocation invocation) throws FunctionFailedException {
        Object[] arguments = new Object[sources.length];
        try {
            for (int i = 0; i < sources.length; i++) {
                arguments[i] = sources[i].resolve(invocation);
            }
        } catch (Exception e) {
            throw new FunctionFailedException(e);
        }
        try {
            return function.method().invoke(function.instance(), arguments);
        } catch (InvocationTargetException e) {
            throw new FunctionFailedException(e.getCause());
        } catch (IllegalAccessException | IllegalArgumentException e) {
            throw new FunctionFailedException(e);
        }
    }

    private static ArgumentSource bindingData(FunctionDefinition function, Parameter parameter, String name) {
        Class<?> type = parameter.getType();
        if (!BINDABLE.contains(type)) {
            throw new LocalHostStartupException("Function " + function.name() + " (" + function.location()
                    + "): @BindingName(\"" + name + "\") parameter '" + parameter.getName() + "' has type "
                    + type.getSimpleName() + "; the local host binds String, int, long, boolean, double, "
                    + "OffsetDateTime and Instant");
        }
        return invocation -> convert(invocation.bindingData().get(name), type, name);
    }

    private static Object convert(Object value, Class<?> type, String name) {
        if (value == null) {
            return type == int.class ? 0 : type == long.class ? 0L : type == double.class ? 0.0
                    : type == boolean.class ? Boolean.FALSE : null;
        }
        if (type == Object.class || type.isInstance(value)) {
            return value;
        }
        String text = value instanceof OffsetDateTime time ? DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time)
                : value.toString();
        try {
            if (type == String.class) {
                return text;
            } else if (type == int.class || type == Integer.class) {
                return Integer.parseInt(text);
            } else if (type == long.class || type == Long.class) {
                return Long.parseLong(text);
            } else if (type == double.class || type == Double.class) {
                return Double.parseDouble(text);
            } else if (type == boolean.class || type == Boolean.class) {
                return Boolean.parseBoolean(text);
            } else if (type == OffsetDateTime.class) {
                return OffsetDateTime.parse(text);
            } else if (type == Instant.class) {
                return value instanceof OffsetDateTime time ? time.toInstant() : OffsetDateTime.parse(text).toInstant();
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Binding data '" + name + "' = '" + text + "' cannot be converted to "
                    + type.getSimpleName(), e);
        }
        throw new IllegalArgumentException("Binding data '" + name + "' cannot be converted to " + type.getSimpleName());
    }

    private static String describe(Parameter parameter) {
        StringBuilder text = new StringBuilder("of type ").append(parameter.getType().getSimpleName());
        for (var annotation : parameter.getAnnotations()) {
            text.append(" with @").append(annotation.annotationType().getSimpleName());
        }
        return text.toString();
    }
}
