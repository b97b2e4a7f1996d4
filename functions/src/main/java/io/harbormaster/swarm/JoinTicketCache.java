package io.harbormaster.swarm;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Join tickets served from memory: each is re-read from the swarm in the background while nodes ask for it, and none
 * is handed out once it is older than {@link #MAX_STALENESS}, counted from the moment its read began.
 *
 * <p>So a ticket is never more than {@code MAX_STALENESS} behind the swarm, and once no manager has answered for that
 * long {@link #ticket} throws as {@link Swarm#joinTicket} does. A read that fails is remembered for
 * {@link #FAILURE_HOLD}, so that a dead manager costs one timeout per hold rather than one per request.
 *
 * <p>One instance per process (the control plane's); {@link #ticket} is safe from any thread.
 */
public final class JoinTicketCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JoinTicketCache.class.getName());

    /** The oldest ticket that is ever served: 2 s behind the swarm at most (issue 11). */
    public static final Duration MAX_STALENESS = Duration.ofSeconds(2);
    /** A ticket this old is re-read by the next background pass: half the bound leaves room for one slow read. */
    public static final Duration REFRESH_AFTER = Duration.ofSeconds(1);
    /** How often the background pass looks; a ticket is re-read at most this much after {@link #REFRESH_AFTER}. */
    public static final Duration PASS_INTERVAL = Duration.ofMillis(200);
    /** A role nobody asked for in this long is left to go stale: an idle control plane does not poll the managers. */
    public static final Duration IDLE_AFTER = Duration.ofMinutes(1);
    /** How long a failed read is answered again without asking the swarm. */
    public static final Duration FAILURE_HOLD = Duration.ofSeconds(1);

    private final Swarm swarm;
    private final Clock clock;
    private final Map<SwarmRole, Slot> slots = new EnumMap<>(SwarmRole.class);
    private volatile ScheduledExecutorService refresher;
    private final CountDownLatch firstWarmDone = new CountDownLatch(1);

    /** A cache without a background thread: tests drive {@link #refreshDue()} themselves. */
    public JoinTicketCache(Swarm swarm, Clock clock) {
        this.swarm = swarm;
        this.clock = clock;
        for (SwarmRole role : SwarmRole.values()) {
            slots.put(role, new Slot());
        }
    }

    /**
     * A cache whose background pass runs every {@link #PASS_INTERVAL} on a daemon thread until {@link #close()}. Its
     * first task reads the worker ticket, so that the first join after a cold start does not also pay for the Docker
     * client's first call, while the rest of the process starts.
     */
    public static JoinTicketCache refreshingInBackground(Swarm swarm, Clock clock) {
        JoinTicketCache cache = new JoinTicketCache(swarm, clock);
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "join-ticket-refresh");
            thread.setDaemon(true);
            return thread;
        });
        cache.refresher = refresher;
        refresher.execute(() -> {
            try {
                cache.warm(SwarmRole.WORKER);
            } finally {
                cache.firstWarmDone.countDown();
            }
        });
        refresher.scheduleWithFixedDelay(cache::refreshDueQuietly, PASS_INTERVAL.toMillis(), PASS_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return cache;
    }

    /**
     * The ticket for {@code role}: from memory when it is fresh, else read now (one read per role at a time; other
     * callers wait for it).
     *
     * @throws SwarmUnavailableException when no manager answered within the bound
     * @throws SwarmNotInitializedException when the managers answer but no swarm has been initialised
     */
    public JoinTicket ticket(SwarmRole role) {
        Slot slot = slots.get(role);
        Instant now = clock.instant();
        slot.lastAsked = now;
        JoinTicket fresh = slot.fresh(now);
        if (fresh != null) {
            return fresh;
        }
        slot.reading.lock();
        try {
            now = clock.instant();
            fresh = slot.fresh(now);
            if (fresh != null) {
                return fresh;
            }
            Failure failure = slot.failure;
            if (failure != null && failure.at().plus(FAILURE_HOLD).isAfter(now)) {
                throw failure.again();
            }
            return read(role, slot);
        } finally {
            slot.reading.unlock();
        }
    }

    /**
     * One background pass: re-reads each role asked for within {@link #IDLE_AFTER} whose ticket is at least
     * {@link #REFRESH_AFTER} old, unless a read failed within {@link #FAILURE_HOLD}. A role being read by a request
     * is skipped; a failed read is kept for the requests.
     */
    public void refreshDue() {
        for (Map.Entry<SwarmRole, Slot> entry : slots.entrySet()) {
            Slot slot = entry.getValue();
            Instant now = clock.instant();
            Instant asked = slot.lastAsked;
            if (asked == null || !asked.plus(IDLE_AFTER).isAfter(now)) {
                continue;
            }
            Reading current = slot.current;
            if (current != null && current.readAt().plus(REFRESH_AFTER).isAfter(now)) {
                continue;
            }
            Failure failure = slot.failure;
            if (failure != null && failure.at().plus(FAILURE_HOLD).isAfter(now)) {
                continue;
            }
            if (!slot.reading.tryLock()) {
                continue;
            }
            try {
                read(entry.getKey(), slot);
            } catch (SwarmUnavailableException e) {
                // Recorded in the slot by read(); the requests answer it once the ticket is too old.
            } finally {
                slot.reading.unlock();
            }
        }
    }

    /**
     * Reads the role's ticket unless it has one or a read is under way; not an ask, so an idle role stays unpolled.
     * A failure is kept as any failed read is.
     */
    public void warm(SwarmRole role) {
        Slot slot = slots.get(role);
        if (slot.current != null || !slot.reading.tryLock()) {
            return;
        }
        try {
            read(role, slot);
        } catch (SwarmUnavailableException e) {
            LOG.fine(() -> "warming the " + role.urlName() + " ticket: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "warming the " + role.urlName() + " ticket failed: " + e.getClass().getSimpleName(), e);
        } finally {
            slot.reading.unlock();
        }
    }

    /**
     * Waits until the background cache's first read of the worker ticket has ended, well or not, at most
     * {@code timeout}: what else warms in the background waits for it, so as not to slow the first join.
     *
     * @return whether it ended in time (never, for a cache without a background thread)
     */
    public boolean awaitFirstWarm(Duration timeout) throws InterruptedException {
        return refresher != null && firstWarmDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Forgets the tickets of {@code roles}, as after their tokens were rotated: the next request reads the swarm, and a
     * read that began before this call is not kept. Other processes' caches catch up within {@link #MAX_STALENESS}.
     */
    public void invalidate(Set<SwarmRole> roles) {
        for (SwarmRole role : roles) {
            Slot slot = slots.get(role);
            slot.generation.incrementAndGet();
            slot.current = null;
        }
    }

    /** Stops the background pass, if any. */
    @Override
    public void close() {
        ScheduledExecutorService current = refresher;
        if (current != null) {
            current.shutdownNow();
        }
    }

    private JoinTicket read(SwarmRole role, Slot slot) {
        // The start of the read, not its end: the swarm may have changed while the managers answered.
        Instant readAt = clock.instant();
        long generation = slot.generation.get();
        try {
            JoinTicket ticket = swarm.joinTicket(role);
            if (slot.generation.get() == generation) {
                slot.current = new Reading(ticket, readAt);
            }
            slot.failure = null;
            return ticket;
        } catch (SwarmUnavailableException e) {
            slot.failure = new Failure(e, clock.instant());
            throw e;
        }
    }

    private void refreshDueQuietly() {
        try {
            refreshDue();
        } catch (RuntimeException e) {
            // A bug or an unexpected Docker answer must not end the background thread; requests still read themselves.
            LOG.log(Level.WARNING, "join ticket refresh failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /** One role's last good reading, its last failure, and who asked last. */
    private static final class Slot {
        final ReentrantLock reading = new ReentrantLock();
        /** Counts {@link #invalidate} calls, so a read that overlaps one is not kept. */
        final AtomicLong generation = new AtomicLong();
        volatile Reading current;
        volatile Failure failure;
        volatile Instant lastAsked;

        JoinTicket fresh(Instant now) {
            Reading reading = current;
            return reading != null && !now.isAfter(reading.readAt().plus(MAX_STALENESS)) ? reading.ticket() : null;
        }
    }

    private record Reading(JoinTicket ticket, Instant readAt) {
    }

    private record Failure(SwarmUnavailableException error, Instant at) {
        /** A new exception of the same kind, so that each request gets its own stack trace. */
        SwarmUnavailableException again() {
            return error instanceof SwarmNotInitializedException
                    ? new SwarmNotInitializedException(error.getMessage())
                    : new SwarmUnavailableException(error.getMessage());
        }
    }
}
