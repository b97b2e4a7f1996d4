package io.harbormaster.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/** The managers' Docker clients; a call moves on to the next manager when one does not answer as a manager. */
final class ManagerEndpoints implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ManagerEndpoints.class.getName());

    /** One manager's Docker Engine API. */
    record ManagerEndpoint(URI uri, DockerClient client) {
    }

    private enum Outcome { UNREACHABLE, NOT_A_MANAGER, NO_SWARM }

    private final List<ManagerEndpoint> endpoints;
    // The manager that answered last is asked first, so a dead one costs a timeout once, not on every call.
    private final AtomicInteger preferred = new AtomicInteger();

    ManagerEndpoints(List<ManagerEndpoint> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one manager endpoint is needed");
        }
        this.endpoints = List.copyOf(endpoints);
    }

    <T> T call(Function<DockerClient, T> operation) {
        int first = preferred.get();
        List<String> failures = new ArrayList<>();
        boolean allWithoutSwarm = true;
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (first + i) % endpoints.size();
            ManagerEndpoint endpoint = endpoints.get(index);
            try {
                T result = operation.apply(endpoint.client());
                preferred.set(index);
                return result;
            } catch (RuntimeException e) {
                Outcome outcome = classify(e);
                allWithoutSwarm &= outcome == Outcome.NO_SWARM;
                String failure = endpoint.uri() + ": " + describe(outcome, e);
                failures.add(failure);
                LOG.warning("Docker endpoint " + failure + (i + 1 < endpoints.size() ? "; trying the next manager" : ""));
            }
        }
        String summary = String.join("; ", failures);
        if (allWithoutSwarm) {
            throw new SwarmNotInitializedException("no swarm is initialised: " + summary);
        }
        throw new SwarmUnavailableException("no swarm manager answered: " + summary);
    }

    private static Outcome classify(RuntimeException e) {
        if (e instanceof DockerException docker && docker.getHttpStatus() >= 500) {
            String message = String.valueOf(docker.getMessage());
            if (message.contains("docker swarm init")) {
                return Outcome.NO_SWARM;
            }
            if (message.contains("update out of sequence")) {
                // A stale version index, not a broken manager: the caller re-reads, another manager would say the same.
                throw e;
            }
            // A worker, or a manager that lost quorum: another manager may still serve the request.
            return message.contains("not a swarm manager") ? Outcome.NOT_A_MANAGER : Outcome.UNREACHABLE;
        }
        if (hasCause(e, IOException.class)) {
            return Outcome.UNREACHABLE;
        }
        throw e;
    }

    private static String describe(Outcome outcome, RuntimeException e) {
        return switch (outcome) {
            case NO_SWARM -> "not part of a swarm";
            case NOT_A_MANAGER -> "not a swarm manager";
            case UNREACHABLE -> {
                if (e instanceof DockerException docker) {
                    yield "answered HTTP " + docker.getHttpStatus();
                }
                String kind = hasCause(e, SSLException.class) ? "TLS handshake failed" : "did not answer";
                yield kind + " (" + rootCause(e).getClass().getSimpleName() + ")";
            }
        };
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() {
        for (ManagerEndpoint endpoint : endpoints) {
            try {
                endpoint.client().close();
            } catch (IOException e) {
                LOG.fine("closing " + endpoint.uri() + ": " + e.getClass().getSimpleName());
            }
        }
    }
}
