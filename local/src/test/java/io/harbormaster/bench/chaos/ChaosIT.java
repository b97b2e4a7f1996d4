package io.harbormaster.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chaos benchmark's scenario (e) once, as CI's guard: a storm of ARM 429s and 5xx while the capacity check drains
 * an agent for scale-in. No task lost, no instance wrongly deleted, no live node removed, and the cluster converges.
 */
class ChaosIT {
    @Test
    void anArmStormDuringAScaleInLosesNothingAndConverges() throws Exception {
        try (ChaosRun run = ChaosRun.start(ChaosScenario.ARM_STORM, System.out)) {
            ChaosRun.PhaseResult result = run.phase(1, ChaosRun.Phase.SCALE_IN);
            ChaosBenchmark.print(System.out, result);
            ChaosFigures figures = result.figures();
            assertTrue(result.triggerSeen(), "no drain was seen: the storm did not hit a scale-in " + result.notes());
            assertEquals(List.of(), figures.tasksLost(), "tasks lost");
            assertEquals(List.of(), figures.wronglyDeleted(), "instances wrongly deleted");
            assertEquals(List.of(), figures.liveNodesRemoved(), "live nodes removed");
            assertTrue(figures.converged(), "the cluster did not converge to 2 agents with every replica running:\n"
                    + tail(run.hostOutput()));
        }
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 8000));
    }
}
