package io.harbormaster.config;

/** A missing or malformed app setting; the message names the setting and what it expects. */
public final class InvalidSettingException extends RuntimeException {
    private final String setting;
    private final String problem;

    public InvalidSettingException(String setting, String problem) {
        super("Setting " + setting + " " + problem);
        this.setting = setting;
        this.problem = problem;
    }

    public String setting() {
        return setting;
    }

    /** The message without the setting's name, for a caller that adds where the setting is used. */
    public String problem() {
        return problem;
    }
}
