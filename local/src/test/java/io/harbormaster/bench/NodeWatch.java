package io.harbormaster.bench;

import io.harbormaster.testsupport.DockerCli;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Watches one hostname in the manager's node list from a start time: when it first has no Ready node (gone: down,
 * left or removed), and when a Ready node is back after that (a rejoin after leave is a new node id; a reboot that
 * kept its id counts once the node was seen not Ready).
 */
final class NodeWatch implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final DockerCli manager;
    private final String hostname;
    private final long t0;
    private final Set<String> readyAtStart;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long goneNanos = -1;
    private volatile long readyNanos = -1;

    /** A node that is not Ready at {@code t0} (not yet created, deallocated) counts as gone from the start. */
    NodeWatch(DockerCli manager, String hostname, long t0) {
        this.manager = manager;
        this.hostname = hostname;
        this.t0 = t0;
        this.readyAtStart = entries().stream().filter(Entry::ready).map(Entry::id).collect(Collectors.toSet());
        if (readyAtStart.isEmpty()) {
            goneNanos = t0;
        }
        thread = new Thread(this::poll, "node-watch-" + hostname);
        thread.setDaemon(true);
        thread.start();
    }

    private record Entry(String id, boolean ready) {
    }

    private List<Entry> entries() {
        // The name filter matches prefixes; only this exact hostname counts.
        return manager.run("node", "ls", "--filter", "name=" + hostname, "--format", "{{.ID}} {{.Hostname}} {{.Status}}")
                .lines().map(line -> line.split(" "))
                .filter(fields -> fields.length == 3 && fields[1].equals(hostname))
                .map(fields -> new Entry(fields[0], fields[2].equalsIgnoreCase("ready"))).toList();
    }

    private void poll() {
        while (running && (goneNanos < 0 || readyNanos < 0)) {
            try {
                List<Entry> entries = entries();
                long now = System.nanoTime();
                boolean anyReady = entries.stream().anyMatch(Entry::ready);
                if (!anyReady && goneNanos < 0) {
                    goneNanos = now;
                }
                boolean newlyReady = entries.stream().anyMatch(e -> e.ready() && !readyAtStart.contains(e.id()));
                if (anyReady && readyNanos < 0 && (goneNanos >= 0 || newlyReady)) {
                    readyNanos = now;
                }
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | AssertionError e) {
                // a failed docker call (the manager busy with other runs): the next poll tries again
            }
        }
    }

    /** Milliseconds from t0 until the node had no Ready entry; waits up to {@code timeout}. */
    long awaitGone(Duration timeout) throws InterruptedException {
        return await(() -> goneNanos, "gone", timeout);
    }

    /** Milliseconds from t0 until a Ready node was back; waits up to {@code timeout}. */
    long awaitReady(Duration timeout) throws InterruptedException {
        return await(() -> readyNanos, "Ready", timeout);
    }

    private long await(java.util.function.LongSupplier nanos, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (nanos.getAsLong() < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(hostname + " not " + what + " in the swarm within " + timeout);
            }
            Thread.sleep(20);
        }
        return (nanos.getAsLong() - t0) / 1_000_000;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}
