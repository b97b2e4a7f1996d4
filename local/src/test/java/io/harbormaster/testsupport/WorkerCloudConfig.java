package io.harbormaster.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The cloud-config a {@link SwarmWorkers} node boots from: the real cloud-init/agent.yml, made a plain worker. */
final class WorkerCloudConfig {
    /** Where the agents' IMDS calls go: the bridge's discard port, where nothing listens, never 169.254.169.254. */
    static final String IMDS_URL = "http://" + SwarmWorkers.BRIDGE_ADDRESS + ":9";
    static final String JOIN_UNIT = "harbormaster-join.service";

    private static final Pattern FUNCTION_URL_LINE =
            Pattern.compile("(?m)^( *)HARBORMASTER_FUNCTION_URL=__HARBORMASTER_FUNCTION_URL__$");
    private static final Pattern PLACEHOLDER = Pattern.compile("__HARBORMASTER_[A-Z0-9_]+__");
    private static final String RUNCMD = "\nruncmd:\n";

    private WorkerCloudConfig() {
    }

    /**
     * agent.yml with its placeholders filled in and only the join unit enabled and started: the terminate watcher
     * and drain-on-shutdown would act on their own (asking IMDS, draining at shutdown), which tests of these plain
     * workers do not want. The join gives up after 3 quick attempts instead of an agent's 20, so that a rejected
     * join fails a test in seconds. The function key is not in it: the node's units get it in their environment.
     */
    static String render(Path agentYml, URI functionUrl) {
        String text;
        try {
            text = Files.readString(agentYml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + agentYml, e);
        }
        Matcher url = FUNCTION_URL_LINE.matcher(text);
        if (!url.find()) {
            throw new IllegalStateException(agentYml + " has no HARBORMASTER_FUNCTION_URL line in its agent.env");
        }
        String indent = url.group(1);
        String base = functionUrl.toString().replaceAll("/+$", "");
        // agent.env is read by every agent script; these settings tune the join script only.
        text = text.substring(0, url.start()) + indent + "HARBORMASTER_FUNCTION_URL=" + base + "\n"
                + indent + "HARBORMASTER_JOIN_ATTEMPTS=3\n"
                + indent + "HARBORMASTER_JOIN_INITIAL_DELAY_SECONDS=1\n"
                + indent + "HARBORMASTER_JOIN_MAX_DELAY_SECONDS=4" + text.substring(url.end());
        for (Map.Entry<String, String> placeholder : Map.of(
                "__HARBORMASTER_IMDS_URL__", IMDS_URL,
                // Never asked: the key reaches the units as HARBORMASTER_FUNCTION_KEY.
                "__HARBORMASTER_KEY_VAULT_URI__", "https://unused.vault.invalid/",
                "__HARBORMASTER_FUNCTION_KEY_SECRET__", "harbormaster-node-function-key",
                "__HARBORMASTER_IDENTITY_CLIENT_ID__", "00000000-0000-0000-0000-000000000000").entrySet()) {
            text = text.replace(placeholder.getKey(), placeholder.getValue());
        }
        Matcher unknown = PLACEHOLDER.matcher(text);
        if (unknown.find()) {
            throw new IllegalStateException(agentYml + " has a placeholder this harness does not fill in: " + unknown.group());
        }
        int runcmd = text.indexOf(RUNCMD);
        if (runcmd < 0 || text.substring(runcmd + RUNCMD.length()).lines().anyMatch(line -> !line.startsWith("  - "))) {
            throw new IllegalStateException(agentYml + " does not end with its runcmd list");
        }
        return text.substring(0, runcmd) + RUNCMD
                + "  - [systemctl, enable, " + JOIN_UNIT + "]\n"
                + "  - [systemctl, start, --no-block, " + JOIN_UNIT + "]\n";
    }
}
