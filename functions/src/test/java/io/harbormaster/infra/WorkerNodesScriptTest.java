package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-node harness (scripts/lib/worker-nodes.sh) joins its nodes with the agents' own join script; this
 * checks that what it cuts out of agent.yml is, byte for byte, what cloud-init writes on an agent VM.
 */
class WorkerNodesScriptTest {
    @Test
    void harnessRunsTheAgentsJoinScriptAsCloudInitWritesIt() {
        HostTools.require("bash", "apt-get install -y bash");
        HostTools.Result result = HostTools.run(
                List.of("bash", InfraFiles.path("scripts/lib/worker-nodes.sh").toString(), "join-script"), Map.of(), 60);
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(CloudInitFiles.entry("cloud-init/agent.yml", "/usr/local/bin/harbormaster-join").content(), result.output());
    }

    @Test
    void execNeedsTheSeparatorAndARunningNode(@TempDir Path nodes) {
        HostTools.require("bash", "apt-get install -y bash");
        String script = InfraFiles.path("scripts/lib/worker-nodes.sh").toString();
        HostTools.Result noSeparator = HostTools.run(List.of("bash", script, "exec", "hm-x-1", "true"),
                Map.of("HM_NODES_DIR", nodes.toString()), 60);
        assertEquals(2, noSeparator.exitCode(), noSeparator.output());
        assertTrue(noSeparator.output().contains("worker-nodes.sh exec NAME -- COMMAND"), noSeparator.output());
        if (!"root".equals(System.getProperty("user.name"))) {
            return; // exec refuses non-root callers before it looks for the node
        }
        HostTools.Result noNode = HostTools.run(List.of("bash", script, "exec", "hm-x-1", "--", "true"),
                Map.of("HM_NODES_DIR", nodes.toString()), 60);
        assertEquals(1, noNode.exitCode(), noNode.output());
        assertTrue(noNode.output().contains("no node hm-x-1 in " + nodes), noNode.output());
    }
}
