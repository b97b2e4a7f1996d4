package io.harbormaster.local;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;

/**
 * One {@code @FunctionName} method: its name, the instance it runs on (null for a static method) and the trigger
 * annotation found on one of its parameters.
 */
public record FunctionDefinition(String name, Method method, Object instance, Annotation trigger,
        int triggerParameterIndex) {

    public Parameter triggerParameter() {
        return method.getParameters()[triggerParameterIndex];
    }

    /** The trigger's annotation name, e.g. HttpTrigger. */
    public String triggerType() {
        return trigger.annotationType().getSimpleName();
    }

    public String location() {
        return method.getDeclaringClass().getName() + "." + method.getName();
    }
}
