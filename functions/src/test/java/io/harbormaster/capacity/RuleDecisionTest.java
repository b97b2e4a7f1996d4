package io.harbormaster.capacity;

import static io.harbormaster.capacity.PlanningFixture.NOW;
import static io.harbormaster.capacity.PlanningFixture.minutesAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RuleDecisionTest {
    @Test
    void itKeepsTheEarliestDeadlineAfterNow() {
        RuleDecision.Builder<CapacityAction> out = new RuleDecision.Builder<>(NOW);
        out.due(minutesAgo(-9));
        out.due(minutesAgo(-3));
        out.due(minutesAgo(-5));
        out.due(NOW);            // already due: says nothing about when to look again
        out.due(minutesAgo(2));
        assertEquals(minutesAgo(-3), out.build().due());
        assertNull(new RuleDecision.Builder<>(NOW).build().due());
    }

    @Test
    void itKeepsActionsAndNotesInTheOrderTheRuleFoundThem() {
        RuleDecision.Builder<CapacityAction.RemoveDownNode> out = new RuleDecision.Builder<>(NOW);
        out.note("first");
        out.act(new CapacityAction.RemoveDownNode("id-b", "b", "down"));
        out.note("down nodes", "second");
        out.act(new CapacityAction.RemoveDownNode("id-a", "a", "down"));
        RuleDecision<CapacityAction.RemoveDownNode> decision = out.build();
        assertEquals(List.of("b", "a"), decision.actions().stream().map(CapacityAction.RemoveDownNode::hostname).toList());
        assertEquals(List.of(new Note(null, "first"), new Note("down nodes", "second")), decision.notes());
        assertThrows(UnsupportedOperationException.class, () -> decision.notes().add(new Note(null, "later")));
    }

    @Test
    void theNotesOfAllRulesShareOneCutPerTopic() {
        Notes notes = new Notes();
        for (int i = 0; i < Notes.PER_TOPIC + 3; i++) {
            notes.add(new Note("down nodes", "node " + i));
        }
        notes.add(new Note(null, "always kept"));
        List<String> lines = notes.build();
        assertEquals(Notes.PER_TOPIC + 2, lines.size());
        assertEquals("always kept", lines.get(Notes.PER_TOPIC));
        assertEquals("… and 3 more down nodes", lines.get(Notes.PER_TOPIC + 1));
    }
}
