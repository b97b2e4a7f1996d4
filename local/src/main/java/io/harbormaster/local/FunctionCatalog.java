package io.harbormaster.local;

import com.microsoft.azure.functions.annotation.FunctionName;
import io.harbormaster.config.InvalidSettingException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every {@code @FunctionName} method of the scanned packages. Each function class is instantiated once through
 * its public no-argument constructor, the way the Functions host requires it to be constructible.
 */
public record FunctionCatalog(List<FunctionDefinition> functions) {
    private static final String ANNOTATION_PACKAGE = FunctionName.class.getPackageName();

    public FunctionCatalog {
        functions = List.copyOf(functions);
    }

    public static FunctionCatalog discover(List<String> packages, ClassLoader loader) {
        Map<Class<?>, Object> instances = new HashMap<>();
        Map<String, FunctionDefinition> byName = new HashMap<>();
        List<FunctionDefinition> functions = new ArrayList<>();
        for (String packageName : packages) {
            List<Class<?>> classes = FunctionClassScanner.classesIn(packageName, loader);
            if (classes.isEmpty()) {
                throw new LocalHostStartupException("Package " + packageName + " has no classes on the class path: "
                        + "nothing to serve");
            }
            for (Class<?> type : classes) {
                for (Method method : functionMethods(type)) {
                    FunctionDefinition definition = define(method, instances);
                    FunctionDefinition clash = byName.putIfAbsent(definition.name().toLowerCase(Locale.ROOT), definition);
                    if (clash != null && !clash.method().equals(method)) {
                        throw new LocalHostStartupException("Function name '" + definition.name() + "' is used twice: "
                                + clash.location() + " and " + definition.location());
                    }
                    if (clash == null) {
                        functions.add(definition);
                    }
                }
            }
        }
        functions.sort(Comparator.comparing(FunctionDefinition::name, String.CASE_INSENSITIVE_ORDER));
        return new FunctionCatalog(functions);
    }

    private static List<Method> functionMethods(Class<?> type) {
        if (!Modifier.isPublic(type.getModifiers()) || type.isInterface() || type.isAnnotation()) {
            return List.of();
        }
        List<Method> methods = new ArrayList<>();
        for (Method method : type.getDeclaredMethods()) {
            if (method.isAnnotationPresent(FunctionName.class)) {
                if (!Modifier.isPublic(method.getModifiers())) {
                    throw new LocalHostStartupException(type.getName() + "." + method.getName()
                            + " has @FunctionName but is not public");
                }
                methods.add(method);
            }
        }
        methods.sort(Comparator.comparing(Method::getName));
        return methods;
    }

    private static FunctionDefinition define(Method method, Map<Class<?>, Object> instances) {
        String name = method.getAnnotation(FunctionName.class).value().strip();
        String location = method.getDeclaringClass().getName() + "." + method.getName();
        if (!name.matches("^[A-Za-z][A-Za-z0-9_-]{0,127}$")) {
            throw new LocalHostStartupException("Function name '" + name + "' of " + location
                    + " is invalid: expected a letter followed by letters, digits, '_' or '-'");
        }
        Annotation trigger = null;
        int triggerIndex = -1;
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < annotations.length; i++) {
            for (Annotation annotation : annotations[i]) {
                Class<? extends Annotation> type = annotation.annotationType();
                if (type.getPackageName().equals(ANNOTATION_PACKAGE) && type.getSimpleName().endsWith("Trigger")) {
                    if (trigger != null) {
                        throw new LocalHostStartupException("Function " + name + " (" + location
                                + ") has two triggers: " + trigger.annotationType().getSimpleName() + " and "
                                + type.getSimpleName());
                    }
                    trigger = annotation;
                    triggerIndex = i;
                }
            }
        }
        if (trigger == null) {
            throw new LocalHostStartupException("Function " + name + " (" + location + ") has no trigger parameter");
        }
        Object instance = Modifier.isStatic(method.getModifiers()) ? null
                : instances.computeIfAbsent(method.getDeclaringClass(), FunctionCatalog::instantiate);
        return new FunctionDefinition(name, method, instance, trigger, triggerIndex);
    }

    private static Object instantiate(Class<?> type) {
        try {
            Constructor<?> constructor = type.getConstructor();
            return constructor.newInstance();
        } catch (NoSuchMethodException e) {
            throw new LocalHostStartupException("Function class " + type.getName()
                    + " needs a public no-argument constructor");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidSettingException invalidSetting) {
                throw invalidSetting;
            }
            throw new LocalHostStartupException("Function class " + type.getName() + " failed to construct: "
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new LocalHostStartupException("Cannot construct function class " + type.getName() + ": " + e, e);
        }
    }
}
