package io.harbormaster.trust;

/**
 * Remembers which attested documents were used, across every instance of the app (Elastic Premium scales out): a
 * document is identified by its nonce and vmId, and is accepted once.
 */
public interface ReplayGuard {
    /**
     * Records the first use of the document {@code (nonce, vmId)}.
     *
     * @return true the first time, false for every later use, on any instance
     */
    boolean firstUse(String nonce, String vmId);
}
