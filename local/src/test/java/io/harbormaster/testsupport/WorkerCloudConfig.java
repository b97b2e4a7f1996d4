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

/**
 * The cloud-config a {@link SwarmWorkers} node boots from: the real cloud-init/agent.yml (its files at their real paths),
 * made a plain worker that joins with a token the harness read from the manager. An agent proves itself to the control
 * plane with an IMDS attested document for a VM the scale set lists; these workers belong to no scale set, so they join
 * as an operator would by hand. The agents' own join runs on the emulator's instances (EmulatedCluster).
 */
final class WorkerCloudConfig {
    /** Where the agents' IMDS calls go: the bridge's discard port, where nothing listens, never 169.254.169.254. */
    static final String IMDS_URL = "http://" + SwarmWorkers.BRIDGE_ADDRESS + ":9";
    static final String JOIN_UNIT = "hm-plain-join.service";
    static final String JOIN_SCRIPT = "/usr/local/bin/hm-plain-join";
    static final String TOKEN_FILE = "/etc/harbormaster/plain-join-token";

    private static final Pattern FUNCTION_URL_LINE =
            Pattern.compile("(?m)^( *)HARBORMASTER_FUNCTION_URL=__HARBORMASTER_FUNCTION_URL__$");
    private static final Pattern PLACEHOLDER = Pattern.compile("__HARBORMASTER_[A-Z0-9_]+__");
    private static final Pattern TOKEN = Pattern.compile("SWMTKN-[A-Za-z0-9-]+");
    private static final Pattern MANAGER = Pattern.compile("[0-9.]+:[0-9]+");
    private static final String RUNCMD = "\nruncmd:\n";

    private WorkerCloudConfig() {
    }

    /**
     * agent.yml with its placeholders filled in, plus a join unit of the harness's own, the only unit enabled and
     * started: the terminate watcher and drain-on-shutdown would act on their own (asking IMDS, draining at
     * shutdown), which tests of these plain workers do not want. The token sits in a root-only file of the node.
     */
    static String render(Path agentYml, URI functionUrl, String manager, String joinToken) {
        if (!TOKEN.matcher(joinToken).matches() || !MANAGER.matcher(manager).matches()) {
            throw new IllegalArgumentException("a join token SWMTKN-... and a manager <ip>:<port> are needed");
        }
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
        text = text.substring(0, url.start()) + indent + "HARBORMASTER_FUNCTION_URL=" + base + text.substring(url.end());
        text = text.replace("__HARBORMASTER_IMDS_URL__", IMDS_URL);
        // base64 of {}: a plain worker advertises no generic resource, as a pool without genericResources
        text = text.replace("__HARBORMASTER_GENERIC_RESOURCES_B64__", "e30=");
        Matcher unknown = PLACEHOLDER.matcher(text);
        if (unknown.find()) {
            throw new IllegalStateException(agentYml + " has a placeholder this harness does not fill in: " + unknown.group());
        }
        int runcmd = text.indexOf(RUNCMD);
        if (runcmd < 0 || text.substring(runcmd + RUNCMD.length()).lines().anyMatch(line -> !line.startsWith("  - "))) {
            throw new IllegalStateException(agentYml + " does not end with its runcmd list");
        }
        String files = """
                  - path: %s
                    owner: root:root
                    permissions: '0600'
                    content: |
                      %s
                  - path: %s
                    owner: root:root
                    permissions: '0755'
                    content: |
                      #!/bin/sh
                      # A stale swarm state (a power cut) is left first, as the agents' join does.
                      docker swarm leave --force >/dev/null 2>&1 || true
                      exec docker swarm join --token "$(cat %s)" %s
                  - path: /etc/systemd/system/%s
                    owner: root:root
                    permissions: '0644'
                    content: |
                      [Unit]
                      Description=Test harness: join the swarm as a plain worker
                      After=docker.service

                      [Service]
                      Type=oneshot
                      RemainAfterExit=yes
                      ExecStart=%s
                """.formatted(TOKEN_FILE, joinToken, JOIN_SCRIPT, TOKEN_FILE, manager, JOIN_UNIT, JOIN_SCRIPT);
        return text.substring(0, runcmd + 1) + files + RUNCMD.substring(1)
                + "  - [systemctl, enable, " + JOIN_UNIT + "]\n"
                + "  - [systemctl, start, --no-block, " + JOIN_UNIT + "]\n";
    }
}
