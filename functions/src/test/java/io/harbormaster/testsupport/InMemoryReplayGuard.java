package io.harbormaster.testsupport;

import io.harbormaster.trust.ReplayGuard;
import java.util.HashSet;
import java.util.Set;

/** The {@link ReplayGuard} of one process: a set of used (nonce, vmId) pairs. */
public final class InMemoryReplayGuard implements ReplayGuard {
    private final Set<String> used = new HashSet<>();

    @Override
    public synchronized boolean firstUse(String nonce, String vmId) {
        return used.add(nonce + "/" + vmId.toLowerCase(java.util.Locale.ROOT));
    }

    public synchronized int size() {
        return used.size();
    }
}
