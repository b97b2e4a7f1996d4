package io.harbormaster.bench;

import java.util.List;
import java.util.Locale;

/** One operation's figures in milliseconds from its request; -1 where a figure does not apply. */
record Timing(String operation, long acceptedMs, long doneMs, long swarmMs, String swarmWhat) {

    String line() {
        return String.format(Locale.ROOT, "%-34s accepted %6s ms | done %6s ms | %s", operation, ms(acceptedMs),
                ms(doneMs), swarmMs < 0 ? "-" : "node " + swarmWhat + " " + swarmMs + " ms");
    }

    static String ms(long value) {
        return value < 0 ? "-" : Long.toString(value);
    }

    /** The median of each figure over rounds (the upper one of an even count, as bench/drain.sh picks). */
    static Timing median(List<Timing> rounds) {
        Timing first = rounds.get(0);
        return new Timing(first.operation(), median(rounds, Timing::acceptedMs), median(rounds, Timing::doneMs),
                median(rounds, Timing::swarmMs), first.swarmWhat());
    }

    private static long median(List<Timing> rounds, java.util.function.ToLongFunction<Timing> figure) {
        List<Long> sorted = rounds.stream().map(figure::applyAsLong).sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
