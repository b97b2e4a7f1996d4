package io.harbormaster.trust;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The vmId → machine map, cached: a join costs no ARM call once its machine is known. A miss lists the machines again,
 * at most once per {@link #MIN_REFRESH}, so a flood of unknown vmIds cannot flood ARM; a known machine is looked up
 * again after {@link #MAX_AGE}, so a deleted one drops out.
 */
public final class MachineIndex {
    static final Duration MIN_REFRESH = Duration.ofSeconds(5);
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    private static final Logger LOG = Logger.getLogger(MachineIndex.class.getName());

    private final MachineDirectory directory;
    private final Clock clock;
    private Map<String, Machine> byVmId = Map.of();
    private Instant listedAt = Instant.MIN;

    public MachineIndex(MachineDirectory directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    /** The machine with this vmId, if ARM lists it as ours. */
    public synchronized Optional<Machine> byVmId(String vmId) {
        String key = vmId.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        boolean stale = !now.isBefore(safePlus(listedAt, MAX_AGE));
        if (stale || (!byVmId.containsKey(key) && !now.isBefore(safePlus(listedAt, MIN_REFRESH)))) {
            refresh(now);
        }
        return Optional.ofNullable(byVmId.get(key));
    }

    /** Lists the machines now unless a listing is recent, so that the first attested join need not wait for ARM. */
    public synchronized void warm() {
        Instant now = clock.instant();
        if (!now.isBefore(safePlus(listedAt, MIN_REFRESH))) {
            refresh(now);
        }
    }

    private void refresh(Instant now) {
        List<Machine> machines = directory.machines();
        Map<String, Machine> index = new HashMap<>();
        for (Machine machine : machines) {
            index.put(machine.vmId().toLowerCase(Locale.ROOT), machine);
        }
        byVmId = Map.copyOf(index);
        listedAt = now;
        LOG.fine(() -> "machine index refreshed: " + index.size() + " machines");
    }

    private static Instant safePlus(Instant instant, Duration duration) {
        return instant.equals(Instant.MIN) ? Instant.MIN : instant.plus(duration);
    }
}
