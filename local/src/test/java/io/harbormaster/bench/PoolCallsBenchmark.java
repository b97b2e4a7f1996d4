package io.harbormaster.bench;

import io.harbormaster.emulator.EmulatorFixture;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.scaleset.ScaleSetInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * ARM calls and time of one capacity check's scale-set reads (describe, then instances) through the production
 * {@link AzureScaleSet} against the emulator's ARM server, for a Uniform and a Flexible scale set of the same size:
 * the README's budget (Uniform 2, Flexible 3, plus pages) as measured. Run by {@code bench/pool-calls.sh}.
 */
public final class PoolCallsBenchmark {
    private PoolCallsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int pageSize = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        System.out.printf(Locale.ROOT, "%d VMs per scale set, %d per page, %d checks each%n", vms, pageSize, runs);
        for (String mode : List.of(ScaleSetSpec.UNIFORM, ScaleSetSpec.FLEXIBLE)) {
            try (EmulatorFixture emulator = new EmulatorFixture()) {
                emulator.cloud.addScaleSet(EmulatorFixture.agents(vms).withOrchestrationMode(mode))
                        .await(Duration.ofMinutes(5));
                emulator.faults.pageSize(pageSize);
                List<Long> millis = new ArrayList<>();
                List<Integer> calls = new ArrayList<>();
                for (int run = 0; run <= runs; run++) {
                    // A new adapter per check, as a fresh function instance would read the mode again.
                    AzureScaleSet scaleSet = emulator.scaleSet();
                    int before = emulator.arm.requests().size();
                    long start = System.nanoTime();
                    scaleSet.describe();
                    List<ScaleSetInstance> instances = scaleSet.instances();
                    long elapsed = (System.nanoTime() - start) / 1_000_000;
                    if (instances.size() != vms) {
                        throw new IllegalStateException(mode + ": " + instances.size() + " instances, not " + vms);
                    }
                    if (run > 0) { // the first loads the SDK and opens TLS
                        millis.add(elapsed);
                        calls.add(emulator.arm.requests().size() - before);
                    }
                }
                Collections.sort(millis);
                System.out.printf(Locale.ROOT, "%-8s ARM calls per check %d..%d (budget %s), median %d ms, p90 %d ms%n",
                        mode, Collections.min(calls), Collections.max(calls),
                        mode.equals(ScaleSetSpec.UNIFORM) ? "2 + pages" : "3 + pages",
                        millis.get(millis.size() / 2), millis.get((int) Math.ceil(millis.size() * 0.9) - 1));
            }
        }
    }
}
