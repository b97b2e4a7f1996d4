package io.harbormaster.swarm;

/** The swarm as its managers' Docker Engine API shows it; the port the control plane's core talks through. */
public interface Swarm {
    /**
     * The join token for {@code role} and the addresses of the reachable managers.
     *
     * @throws SwarmNotInitializedException when the managers answer but no swarm has been initialised
     * @throws SwarmUnavailableException when no manager answers
     */
    JoinTicket joinTicket(SwarmRole role);
}
