package io.harbormaster.bench.chaos;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The chaos benchmark of issue 12: for each scenario named (letters a to i), its own emulated cluster, then ROUNDS
 * rounds of a scale-in and a scale-out with the scenario's fault injected mid-way; prints each phase's figures and a
 * summary line per scenario. Run by bench/chaos.sh, one scenario per JVM under the IT lock.
 */
public final class ChaosBenchmark {
    private ChaosBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String letters = args.length > 0 ? args[0] : "abcdefghi";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        PrintStream out = System.out;
        for (char letter : letters.toCharArray()) {
            ChaosScenario scenario = ChaosScenario.of(letter);
            out.printf("== (%c) %s, %d round(s)%n", scenario.letter, scenario.title, rounds);
            List<ChaosRun.PhaseResult> results = new ArrayList<>();
            ChaosRun run = null;
            try {
                run = ChaosRun.start(scenario, out);
                rounds:
                for (int round = 1; round <= rounds; round++) {
                    for (ChaosRun.Phase phase : ChaosRun.Phase.values()) {
                        ChaosRun.PhaseResult result = run.phase(round, phase);
                        results.add(result);
                        print(out, result);
                        if (!result.figures().converged()) {
                            // The next phase would start from a cluster that is not where it should be.
                            out.printf("(%c) stopped after round %d's %s: the cluster did not converge within %d s%n",
                                    scenario.letter, round, phase.label, run.phaseTimeout().toSeconds());
                            break rounds;
                        }
                    }
                }
            } catch (Exception | AssertionError e) {
                out.printf("(%c) stopped: %s%n", scenario.letter, e.toString().lines().findFirst().orElse(""));
            } finally {
                if (run != null) {
                    Path log = Path.of("target", "bench", "logs", "chaos-" + scenario.letter + "-host.log");
                    Files.createDirectories(log.getParent());
                    Files.writeString(log, run.hostOutput());
                    out.println("host log: " + log.toAbsolutePath());
                    try {
                        run.close();
                    } catch (Exception | AssertionError e) {
                        out.println("clean-up: " + e.toString().lines().findFirst().orElse(""));
                    }
                }
            }
            out.println(summary(scenario, results, rounds));
        }
    }

    static void print(PrintStream out, ChaosRun.PhaseResult result) {
        out.printf(Locale.ROOT, "(%c) round %d %-9s | fault at %5.1f s%s | %s%n", result.scenario().letter,
                result.round(), result.phase().label, result.triggerMs() / 1000.0, result.triggerSeen() ? "" : " (no trigger)",
                result.figures().line());
        ChaosFigures f = result.figures();
        f.tasksLost().forEach(line -> out.println("      lost: " + line));
        f.wronglyDeleted().forEach(line -> out.println("      wrongly deleted: " + line));
        f.liveNodesRemoved().forEach(line -> out.println("      live node removed: " + line));
        result.notes().forEach(line -> out.println("      note: " + line));
    }

    /** One line per scenario: the three counts summed over its phases, the worst time below desired, convergence. */
    static String summary(ChaosScenario scenario, List<ChaosRun.PhaseResult> results, int rounds) {
        int lost = 0;
        int wrong = 0;
        int live = 0;
        long below = 0;
        int converged = 0;
        List<Long> times = new ArrayList<>();
        for (ChaosRun.PhaseResult r : results) {
            lost += r.figures().tasksLost().size();
            wrong += r.figures().wronglyDeleted().size();
            live += r.figures().liveNodesRemoved().size();
            below = Math.max(below, r.figures().longestBelowDesiredMs());
            if (r.figures().converged()) {
                converged++;
                times.add(r.figures().convergedMs());
            }
        }
        times.sort(null);
        String median = times.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f s", times.get(times.size() / 2) / 1000.0);
        String worst = times.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f s", times.get(times.size() - 1) / 1000.0);
        return String.format(Locale.ROOT, "SUMMARY | (%c) %-46s | %2d | %2d | %2d | %6.1f s | %d of %d | %s | %s |",
                scenario.letter, scenario.title, lost, wrong, live, below / 1000.0, converged, 2 * rounds, median, worst);
    }
}
