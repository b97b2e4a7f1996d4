package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** cloud-init/master.yml and cloud-init/agent.yml, and how infra/cluster.json fills them in. */
class CloudInitTest {
    private static final String INSTALL_CLOUD_INIT = "apt-get install -y cloud-init (Debian's package provides `cloud-init schema`)";
    private static final Pattern PLACEHOLDER = Pattern.compile("__HARBORMASTER_[A-Z0-9_]+__");
    /** customData is at most 65,535 characters of base64. */
    private static final int MAX_CUSTOM_DATA_BASE64 = 65_535;

    static final List<String> AGENT_SCRIPTS = List.of(
            "/usr/local/bin/harbormaster-node-call", "/usr/local/bin/harbormaster-join",
            "/usr/local/bin/harbormaster-terminate-watcher", "/usr/local/bin/harbormaster-drain-on-shutdown",
            "/usr/local/sbin/harbormaster-imds-guard", "/usr/local/sbin/harbormaster-docker-config");
    static final List<String> MASTER_SCRIPTS = List.of(
            "/usr/local/bin/harbormaster-node-call", "/usr/local/bin/harbormaster-join",
            "/usr/local/bin/harbormaster-manager-bootstrap", "/usr/local/sbin/harbormaster-imds-guard");

    @ParameterizedTest
    @ValueSource(strings = {"cloud-init/master.yml", "cloud-init/agent.yml"})
    void passesCloudInitSchema(String file) {
        assertValidCloudConfig(InfraFiles.path(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"master", "agent"})
    void passesCloudInitSchemaOnceClusterJsonHasFilledItIn(String role, @TempDir Path dir) throws IOException {
        Path rendered = dir.resolve(role + ".yml");
        String text = render(role);
        Files.writeString(rendered, text);
        assertValidCloudConfig(rendered);
        assertTrue(!PLACEHOLDER.matcher(text).find(), "every placeholder is replaced");
        int customData = Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)).length();
        assertTrue(customData <= MAX_CUSTOM_DATA_BASE64, role + " customData is " + customData + " base64 characters");
    }

    private static void assertValidCloudConfig(Path file) {
        HostTools.require("cloud-init", INSTALL_CLOUD_INIT);
        HostTools.Result result = HostTools.run(List.of("cloud-init", "schema", "--config-file", file.toString()), Map.of(), 120);
        assertEquals(0, result.exitCode(), "cloud-init schema --config-file " + file + ":\n" + result.output());
        assertTrue(result.output().contains("Valid cloud-config"), result.output());
    }

    /** cloud-init's schema rejects unquoted permissions (YAML reads 0600 as a number); this says which line. */
    @ParameterizedTest
    @ValueSource(strings = {"cloud-init/master.yml", "cloud-init/agent.yml"})
    void everyPermissionIsAQuotedOctalString(String file) {
        List<String> problems = new ArrayList<>();
        List<String> lines = CloudInitFiles.text(file).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            Matcher permissions = Pattern.compile("^\\s*permissions:\\s*(.*)$").matcher(lines.get(i));
            if (permissions.matches() && !permissions.group(1).matches("'0[0-7]{3}'")) {
                problems.add(file + ":" + (i + 1) + ": permissions " + permissions.group(1) + " is not a quoted string like '0600'");
            }
        }
        assertEquals(List.of(), problems);
        CloudInitFiles.writeFiles(CloudInitFiles.text(file)).values().forEach(entry ->
                assertTrue(entry.permissions().matches("'0[0-7]{3}'"), entry.path() + " has permissions"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"master", "agent"})
    void clusterJsonReplacesExactlyThePlaceholdersOfItsCloudConfig(String role) {
        Set<String> inFile = placeholders(CloudInitFiles.text("cloud-init/" + role + ".yml"));
        Set<String> inTemplate = placeholders(customData(role));
        assertEquals(inFile, inTemplate);
        assertTrue(customData(role).contains("parameters('" + role + "CloudConfig')"));
    }

    @Test
    void theAgentInstallsItsScriptsAndUnits() {
        Map<String, CloudInitFiles.Entry> files = CloudInitFiles.writeFiles(CloudInitFiles.text("cloud-init/agent.yml"));
        for (String script : AGENT_SCRIPTS) {
            assertTrue(files.containsKey(script), "agent.yml writes " + script);
            assertEquals("'0755'", files.get(script).permissions(), script);
            assertTrue(files.get(script).content().startsWith("#!/bin/sh\n"), script);
        }
        Map<String, String> units = Map.of(
                "harbormaster-join", "ExecStart=/usr/local/bin/harbormaster-join",
                "harbormaster-terminate-watcher", "ExecStart=/usr/local/bin/harbormaster-terminate-watcher",
                "harbormaster-drain-on-shutdown", "ExecStop=/usr/local/bin/harbormaster-drain-on-shutdown",
                "harbormaster-imds-guard", "ExecStart=/usr/local/sbin/harbormaster-imds-guard");
        String agent = CloudInitFiles.text("cloud-init/agent.yml");
        units.forEach((unit, exec) -> {
            CloudInitFiles.Entry file = files.get("/etc/systemd/system/" + unit + ".service");
            assertTrue(file != null && file.content().contains(exec + "\n"), unit + ".service runs " + exec);
            assertTrue(agent.contains(unit + ".service,") || agent.contains(unit + ".service]"), "runcmd enables " + unit);
        });
        CloudInitFiles.Entry dropIn = files.get("/etc/systemd/system/docker.service.d/harbormaster-generic-resources.conf");
        assertTrue(dropIn != null && dropIn.content().contains("[Service]\nExecStartPre=/usr/local/sbin/harbormaster-docker-config\n"),
                "dockerd's every start first writes the pool's generic resources into daemon.json");
        String env = files.get("/etc/harbormaster/agent.env").content();
        for (String setting : List.of("HARBORMASTER_FUNCTION_URL=", "HARBORMASTER_IMDS_URL=__HARBORMASTER_IMDS_URL__\n",
                "HARBORMASTER_GENERIC_RESOURCES_B64=__HARBORMASTER_GENERIC_RESOURCES_B64__\n")) {
            assertTrue(env.contains(setting), "agent.env sets " + setting);
        }
    }

    @Test
    void nodesHoldNoSharedSecretAndCallOnlyTheAttestedRoutes() {
        for (String role : List.of("agent", "master")) {
            String text = CloudInitFiles.text("cloud-init/" + role + ".yml");
            for (String gone : List.of("x-functions-key", "FUNCTION_KEY", "KEY_VAULT", "vault.azure.net", "/api/join/",
                    "/api/drain/")) {
                assertFalse(text.contains(gone), role + ".yml still mentions " + gone);
            }
            assertTrue(text.contains("/api/node/$2"), role + ".yml calls the attested node routes");
        }
    }

    @Test
    void theManagersExposeDockerOnlyWithTlsClientVerification() throws IOException {
        Map<String, CloudInitFiles.Entry> files = CloudInitFiles.writeFiles(CloudInitFiles.text("cloud-init/master.yml"));
        JsonNode daemon = ArmTemplate.JSON.readTree(files.get("/etc/docker/daemon.json").content());
        assertTrue(daemon.path("tlsverify").asBoolean(), "tlsverify");
        for (String key : List.of("tlscacert", "tlscert", "tlskey")) {
            assertTrue(files.containsKey(daemon.path(key).asText()), "master.yml writes " + daemon.path(key).asText());
            assertEquals("b64", files.get(daemon.path(key).asText()).encoding());
        }
        assertEquals("'0600'", files.get(daemon.path("tlskey").asText()).permissions());
        String dropIn = files.get("/etc/systemd/system/docker.service.d/harbormaster-tls.conf").content();
        assertTrue(dropIn.contains(" -H tcp://__HARBORMASTER_MANAGER_ADDRESS__:2376 "), dropIn);
        assertTrue(!dropIn.contains("2375"), "never the plain-text port");
        for (String script : MASTER_SCRIPTS) {
            assertTrue(files.containsKey(script), "master.yml writes " + script);
        }
        String master = CloudInitFiles.text("cloud-init/master.yml");
        CloudInitFiles.Entry bootstrap = files.get("/etc/systemd/system/harbormaster-manager-bootstrap.service");
        assertTrue(bootstrap != null && bootstrap.content().contains("ExecStart=/usr/local/bin/harbormaster-manager-bootstrap\n"),
                "a unit bootstraps the manager");
        assertTrue(bootstrap.content().contains("After=network-online.target docker.service harbormaster-imds-guard.service\n"),
                "after Docker and the IMDS guard");
        assertTrue(master.contains("[systemctl, enable, docker.service, harbormaster-imds-guard.service, "
                + "harbormaster-manager-bootstrap.service, "), "runcmd enables the bootstrap at every boot");
        assertTrue(master.contains("[systemctl, start, --no-block, harbormaster-imds-guard.service, "
                + "harbormaster-manager-bootstrap.service, "), "and starts it");
        assertTrue(files.get("/etc/harbormaster/manager.env").content().contains("HARBORMASTER_IMDS_URL=__HARBORMASTER_IMDS_URL__\n"),
                "IMDS is a placeholder: the emulator's locally, 169.254.169.254 in Azure");
    }

    @Test
    void theManagersForwardTheSwarmsEventsFromAUnitThatIsRestarted(@TempDir Path dir) throws IOException {
        HostTools.require("python3", "Python 3, which the nodes install");
        Map<String, CloudInitFiles.Entry> files = CloudInitFiles.writeFiles(CloudInitFiles.text("cloud-init/master.yml"));
        CloudInitFiles.Entry script = files.get("/usr/local/bin/harbormaster-swarm-events");
        assertTrue(script != null && script.content().startsWith("#!/usr/bin/env python3\n"), "the forwarder");
        assertEquals("'0755'", script.permissions());
        Path extracted = dir.resolve("harbormaster-swarm-events.py");
        Files.writeString(extracted, script.content());
        HostTools.Result compiled = HostTools.run(List.of("python3", "-m", "py_compile", extracted.toString()), Map.of(), 30);
        assertEquals(0, compiled.exitCode(), compiled.output());
        // It forwards exactly the kinds the control plane takes.
        for (String kind : io.harbormaster.capacity.EventDrivenChecks.EVENTS) {
            String[] parts = kind.split(":");
            assertTrue(script.content().contains("\"" + parts[0] + "\": {") && script.content().contains("\"" + parts[1] + "\""),
                    "forwards " + kind);
        }
        String unit = files.get("/etc/systemd/system/harbormaster-swarm-events.service").content();
        assertTrue(unit.contains("ExecStart=/usr/local/bin/harbormaster-swarm-events\n") && unit.contains("Restart=always\n"), unit);
        String master = CloudInitFiles.text("cloud-init/master.yml");
        assertTrue(master.contains("harbormaster-swarm-events.service]\n"), "runcmd enables and starts it");
    }

    @Test
    void scriptsSharedByManagersAndAgentsAreTheSame() {
        Map<String, CloudInitFiles.Entry> master = CloudInitFiles.writeFiles(CloudInitFiles.text("cloud-init/master.yml"));
        Map<String, CloudInitFiles.Entry> agent = CloudInitFiles.writeFiles(CloudInitFiles.text("cloud-init/agent.yml"));
        for (String shared : List.of("/usr/local/bin/harbormaster-node-call", "/usr/local/bin/harbormaster-join",
                "/usr/local/sbin/harbormaster-imds-guard", "/etc/systemd/system/harbormaster-imds-guard.service")) {
            assertEquals(agent.get(shared).content(), master.get(shared).content(), shared);
        }
    }

    @Test
    void everyScriptIsValidPosixShell(@TempDir Path dir) {
        HostTools.require("sh", "a POSIX shell");
        Set<String> scripts = new TreeSet<>(AGENT_SCRIPTS);
        scripts.addAll(MASTER_SCRIPTS);
        for (String script : scripts) {
            String file = AGENT_SCRIPTS.contains(script) ? "cloud-init/agent.yml" : "cloud-init/master.yml";
            Path extracted = CloudInitFiles.extractScript(file, script, dir);
            HostTools.Result syntax = HostTools.run(List.of("sh", "-n", extracted.toString()), Map.of(), 30);
            assertEquals(0, syntax.exitCode(), script + ": " + syntax.output());
        }
    }

    /** The customData expression of the managers or of the scale set in infra/cluster.json. */
    private static String customData(String role) {
        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode resource = cluster.resource(role.equals("master") ? "Microsoft.Compute/virtualMachines" : "Microsoft.Compute/virtualMachineScaleSets").node();
        JsonNode osProfile = role.equals("master") ? resource.path("properties").path("osProfile")
                : resource.path("properties").path("virtualMachineProfile").path("osProfile");
        return osProfile.path("customData").asText();
    }

    private static Set<String> placeholders(String text) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = PLACEHOLDER.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group());
        }
        return found;
    }

    /** The cloud-config with every placeholder replaced by a value of the kind cluster.json puts there. */
    static String render(String role) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("__HARBORMASTER_MANAGER_INDEX__", "1");
        values.put("__HARBORMASTER_MANAGER_ADDRESS__", "10.0.0.5");
        values.put("__HARBORMASTER_FUNCTION_URL__", "https://harbormaster-functions.azurewebsites.net");
        values.put("__HARBORMASTER_IMDS_URL__", "http://169.254.169.254");
        // base64(string(pool.genericResources)), as cluster.json writes a pool's {"gpu":1}
        values.put("__HARBORMASTER_GENERIC_RESOURCES_B64__", Base64.getEncoder().encodeToString(
                "{\"gpu\":1}".getBytes(StandardCharsets.UTF_8)));
        String pem = "-----BEGIN CERTIFICATE-----\n" + "A".repeat(64).concat("\n").repeat(30) + "-----END CERTIFICATE-----\n";
        String b64 = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
        values.put("__HARBORMASTER_DOCKER_TLS_CA_PEM_B64__", b64);
        values.put("__HARBORMASTER_DOCKER_TLS_SERVER_CERT_PEM_B64__", b64);
        values.put("__HARBORMASTER_DOCKER_TLS_SERVER_KEY_PEM_B64__", b64);
        String text = CloudInitFiles.text("cloud-init/" + role + ".yml");
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace(value.getKey(), value.getValue());
        }
        return text;
    }
}
