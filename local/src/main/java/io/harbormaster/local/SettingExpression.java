package io.harbormaster.local;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resolves {@code %SETTING_NAME%} references in binding attributes from app settings, as the Functions host does. */
public final class SettingExpression {
    private static final Pattern REFERENCE = Pattern.compile("%([^%\\s]+)%");

    private SettingExpression() {
    }

    /** {@code usage} says where the reference sits, e.g. "the schedule of function cleanup". */
    public static String resolve(String text, AppSettings settings, String usage) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder resolved = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = settings.optional(name).orElseThrow(() -> new InvalidSettingException(name,
                    "is missing: expected a value for %" + name + "% in " + usage));
            m.appendReplacement(resolved, Matcher.quoteReplacement(value));
        }
        m.appendTail(resolved);
        return resolved.toString();
    }
}
