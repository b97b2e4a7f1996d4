package io.harbormaster.testsupport;

import java.time.Duration;

/**
 * Counts a service's running tasks (desired running, observed running) about every 100 ms in a thread of its own, with
 * one {@code docker service ps} each: the fewest it saw, and for how long it saw fewer than desired (each low sample
 * counts from the sample before it, so the figure errs long).
 */
public final class RunningTasksSampler implements AutoCloseable {
    private final DockerCli manager;
    private final String service;
    private final int desired;
    private final Thread thread;
    private volatile boolean sampling = true;
    private int fewest = Integer.MAX_VALUE;
    private int samples;
    private long belowNanos;

    private RunningTasksSampler(DockerCli manager, String service, int desired) {
        this.manager = manager;
        this.service = service;
        this.desired = desired;
        this.thread = new Thread(this::sample, "running-tasks-sampler");
    }

    public static RunningTasksSampler start(DockerCli manager, String service, int desired) {
        RunningTasksSampler sampler = new RunningTasksSampler(manager, service, desired);
        sampler.thread.start();
        return sampler;
    }

    /** The service's running tasks now, as {@code docker service ps} lists them. */
    public static int running(DockerCli manager, String service) {
        return (int) manager.run("service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}",
                service).lines().filter(line -> line.startsWith("Running")).count();
    }

    private void sample() {
        long previous = System.nanoTime();
        while (sampling) {
            int running = running(manager, service);
            long now = System.nanoTime();
            synchronized (this) {
                fewest = Math.min(fewest, running);
                samples++;
                if (running < desired) {
                    belowNanos += now - previous;
                }
            }
            previous = now;
            try {
                Thread.sleep(50); // a CLI call takes about 50 ms more: a sample every ~100 ms
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public synchronized int fewest() {
        return fewest;
    }

    public synchronized int samples() {
        return samples;
    }

    public synchronized Duration belowDesired() {
        return Duration.ofNanos(belowNanos);
    }

    @Override
    public void close() throws InterruptedException {
        sampling = false;
        thread.join();
    }
}
