package io.harbormaster.swarm;

import java.util.List;

/** What a node needs to join the swarm: the join token for its role and the managers' addresses (host:2377). */
public record JoinTicket(SwarmRole role, String token, List<String> managerAddresses) {
    public JoinTicket {
        managerAddresses = List.copyOf(managerAddresses);
    }

    /** The token is a secret: it must not reach a log line through string concatenation. */
    @Override
    public String toString() {
        return "JoinTicket[role=" + role.urlName() + ", token=<redacted>, managerAddresses=" + managerAddresses + "]";
    }
}
