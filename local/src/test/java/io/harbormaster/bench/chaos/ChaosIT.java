package io.harbormaster.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One short chaos case as CI's guard (the other scenarios, the ARM storm among them, run in {@code bench/chaos.sh}):
 * (h) a Terminate that Azure cancels mid-drain, which runs the agent's terminate watcher end to end through the
 * attested node routes (its drain, then calling it off). No task lost, no instance wrongly deleted, no live node
 * removed, and the cluster converges.
 */
class ChaosIT {
    @ParameterizedTest
    @EnumSource(value = ChaosScenario.class, names = {"TERMINATE_CANCELLED"})
    void aScaleInUnderChaosLosesNothingAndConverges(ChaosScenario scenario) throws Exception {
        try (ChaosRun run = ChaosRun.start(scenario, System.out)) {
            ChaosRun.PhaseResult result = run.phase(1, ChaosRun.Phase.SCALE_IN);
            ChaosBenchmark.print(System.out, result);
            ChaosFigures figures = result.figures();
            assertTrue(result.triggerSeen(), "the chaos did not hit a scale-in " + result.notes());
            assertEquals(List.of(), figures.tasksLost(), "tasks lost");
            assertEquals(List.of(), figures.wronglyDeleted(), "instances wrongly deleted");
            assertEquals(List.of(), figures.liveNodesRemoved(), "live nodes removed");
            assertTrue(figures.converged(), "the cluster did not converge to 2 agents with every replica running:\n"
                    + tail(run.hostOutput()));
            if (scenario == ChaosScenario.TERMINATE_CANCELLED) {
                assertTrue(result.notes().toString().contains(" cancelled after its node was seen draining"),
                        "the Terminate was not cancelled mid-drain: " + result.notes());
                assertTrue(run.hostOutput().contains("audit granted route=node/drain"), "the watcher's drain was not attested");
            }
        }
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 8000));
    }
}
