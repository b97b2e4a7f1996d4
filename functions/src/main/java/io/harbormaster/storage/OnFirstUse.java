package io.harbormaster.storage;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value built on its first use rather than at startup, such as a storage adapter whose container must exist first:
 * a cold start then answers the routes that need no storage (a join) without waiting for storage, and a storage
 * outage at startup fails only the calls that need it. A build that throws is not remembered: the next use builds
 * again, so a storage account that comes back is used without a restart.
 */
public final class OnFirstUse<T> implements Supplier<T> {
    private final String name;
    private final Supplier<? extends T> build;
    private volatile T value;

    public OnFirstUse(String name, Supplier<? extends T> build) {
        this.name = Objects.requireNonNull(name);
        this.build = Objects.requireNonNull(build);
    }

    /** The value, built now by the first caller (the others wait for it); throws what the build throws. */
    @Override
    public T get() {
        T current = value;
        if (current == null) {
            synchronized (this) {
                current = value;
                if (current == null) {
                    current = Objects.requireNonNull(build.get(), name);
                    value = current;
                }
            }
        }
        return current;
    }

    /** Whether the value is built; it never is until a use or {@link #get()}. */
    public boolean built() {
        return value != null;
    }

    /**
     * The port {@code type} whose every call goes to {@link #get()}'s value: hand it to code that takes the port and
     * may be built long before its first call. toString, equals and hashCode do not build it.
     */
    public T as(Class<T> type) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not an interface");
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "toString" -> type.getSimpleName() + "[" + name + (built() ? "" : ", not used yet") + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            try {
                return method.invoke(get(), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    @Override
    public String toString() {
        return "OnFirstUse[" + name + (built() ? "" : ", not used yet") + "]";
    }
}
