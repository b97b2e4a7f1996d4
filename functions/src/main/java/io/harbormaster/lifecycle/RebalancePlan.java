package io.harbormaster.lifecycle;

import java.util.List;

/**
 * The rebalance's answer for one snapshot: the steps to take now, notes on what it held back and why, how many moves
 * stay under way (waiting for their extra task), and how many services would get a move were nothing holding them.
 */
public record RebalancePlan(List<RebalanceMove> moves, List<String> notes, int underWay, int wanted) {
    public RebalancePlan {
        moves = List.copyOf(moves);
        notes = List.copyOf(notes);
    }

    /** Nothing under way, nothing to do, nothing wanted: every movable service is within one task per node. */
    public boolean settled() {
        return moves.isEmpty() && underWay == 0 && wanted == 0;
    }
}
