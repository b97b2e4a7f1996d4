package io.harbormaster.config;

/** A missing or malformed app setting; the message names the setting and what it expects. */
public final class InvalidSettingException extends RuntimeException {
    private final String setting;

    public InvalidSettingException(String setting, String problem) {
        super("Setting " + setting + " " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
