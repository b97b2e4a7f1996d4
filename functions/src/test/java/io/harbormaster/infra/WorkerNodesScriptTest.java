package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
}
