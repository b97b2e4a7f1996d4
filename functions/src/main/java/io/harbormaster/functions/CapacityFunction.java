package io.harbormaster.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.harbormaster.audit.AuditRetention;
import io.harbormaster.capacity.CapacityCheck;
import io.harbormaster.capacity.EventDrivenChecks;
import io.harbormaster.lifecycle.upgrade.UpgradeControl;
import java.util.Optional;

/** The capacity check, on its NCRONTAB schedule and on demand through the {@code capacity-checks} queue. */
public class CapacityFunction {
    static final String QUEUE = "capacity-checks";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<CapacityCheck> check;
    private final Optional<AuditRetention> auditRetention;
    private final Optional<EventDrivenChecks> followUps;
    private final Optional<UpgradeControl> automaticUpgrade;
    private final Optional<Runnable> upgradeBackstop;

    public CapacityFunction() {
        this(ControlPlane.instance().capacityCheck(), Optional.of(ControlPlane.instance().auditRetention()),
                ControlPlane.instance().eventDrivenChecks(), ControlPlane.instance().automaticUpgrade(),
                ControlPlane.instance().upgradeBackstop());
    }

    CapacityFunction(Optional<CapacityCheck> check) {
        this(check, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * @param followUps where a check whose rebalance move is under way asks for the next one
     * @param automaticUpgrade starts a rolling upgrade when the check listed instances behind the model, if set so
     * @param upgradeBackstop  queues a running upgrade's step again when its chain of messages was lost
     */
    CapacityFunction(Optional<CapacityCheck> check, Optional<AuditRetention> auditRetention,
            Optional<EventDrivenChecks> followUps, Optional<UpgradeControl> automaticUpgrade,
            Optional<Runnable> upgradeBackstop) {
        this.check = check;
        this.auditRetention = auditRetention;
        this.followUps = followUps;
        this.automaticUpgrade = automaticUpgrade;
        this.upgradeBackstop = upgradeBackstop;
    }

    @FunctionName("capacity")
    public void onSchedule(
            @TimerTrigger(name = "timer", schedule = "%HARBORMASTER_CAPACITY_SCHEDULE%") String timer,
            ExecutionContext context) {
        try {
            run(Optional.empty(), Optional.empty(), context);
        } finally {
            // On the timer only: at most hourly, and the on-demand checks stay short.
            auditRetention.ifPresent(AuditRetention::pruneIfDue);
            try {
                upgradeBackstop.ifPresent(Runnable::run);
            } catch (RuntimeException e) {
                // One blob read and at most one message; the next timer tries again.
                context.getLogger().warning("rolling upgrade backstop: " + e.getClass().getSimpleName());
            }
        }
    }

    /**
     * Messages come from the autoscale webhook, {@code {"pool": "gpu", "expectedCapacity": 5}} or {@code {"pool": "gpu"}},
     * and from the swarm's events, {@code {}}.
     */
    @FunctionName("capacityNow")
    public void onDemand(
            @QueueTrigger(name = "message", queueName = QUEUE, connection = "AzureWebJobsStorage") String message,
            ExecutionContext context) throws Exception {
        JsonNode body = JSON.readTree(message);
        Optional<Long> expected = body.hasNonNull("expectedCapacity")
                ? Optional.of(body.get("expectedCapacity").asLong())
                : Optional.empty();
        // The pool whose scale set was scaled; messages queued before pools name none and mean the first.
        Optional<String> pool = body.hasNonNull("pool") ? Optional.of(body.get("pool").asText()) : Optional.empty();
        // A busy lease completes the message: the check recorded the announced capacity before trying the lease, and
        // the check that holds it keeps it, so retrying (and at last the poison queue) would add nothing. Only a
        // failure to record it throws, and the queue delivers the message again.
        run(pool, expected, context);
    }

    private CapacityCheck.Outcome run(Optional<String> pool, Optional<Long> expected, ExecutionContext context) {
        if (check.isEmpty()) {
            context.getLogger().info("capacity check skipped: no scale set is configured");
            return null;
        }
        CapacityCheck.Outcome outcome = check.get().run(pool, expected);
        if (outcome.skipped() != null) {
            context.getLogger().info("capacity check skipped: " + outcome.skipped());
        } else {
            automaticUpgrade.ifPresent(control -> control.startIfBehind(check.get().lastListedInstances())
                    .ifPresent(started -> context.getLogger().info("rolling upgrade " + started.upgradeId()
                            + " started automatically: " + started.entries().size() + " instances behind the model or image")));
        }
        outcome.plan().ifPresent(plan -> context.getLogger().info("capacity check: " + plan.actions().size()
                + " action(s), " + outcome.done().size() + " done, " + outcome.failed().size() + " failed, "
                + outcome.withheld().size() + " withheld" + (plan.guardTripped() ? ", guard tripped" : "") + (plan.dryRun() ? ", dry run" : "")));
        if (outcome.nextCheck().isPresent() && followUps.isPresent()) {
            try {
                followUps.get().followUp(outcome.nextCheck().get());
            } catch (RuntimeException e) {
                // The timer's check follows and finds the move's record on the service: nothing is lost.
                context.getLogger().warning("capacity check: queueing the follow-up failed: " + e.getClass().getSimpleName());
            }
        }
        return outcome;
    }
}
