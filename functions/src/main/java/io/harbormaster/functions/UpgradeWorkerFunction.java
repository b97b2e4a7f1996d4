package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import io.harbormaster.lifecycle.upgrade.UpgradeQueue;
import io.harbormaster.lifecycle.upgrade.UpgradeWorker;
import java.util.Optional;

/** Queue triggers on upgrade-steps (one pass of the rolling upgrade per message) and its poison queue (pause it). */
public class UpgradeWorkerFunction {
    private final Optional<UpgradeWorker> worker;

    public UpgradeWorkerFunction() {
        this(ControlPlane.instance().upgradeWorker());
    }

    UpgradeWorkerFunction(Optional<UpgradeWorker> worker) {
        this.worker = worker;
    }

    @FunctionName("upgradeWorker")
    public void pass(
            @QueueTrigger(name = "message", queueName = UpgradeQueue.NAME, connection = "AzureWebJobsStorage") String message,
            @BindingName("Id") String messageId,
            ExecutionContext context) {
        if (worker.isEmpty()) {
            context.getLogger().warning("upgrade message without a scale set configured; dropped");
            return;
        }
        UpgradeWorker.Outcome outcome = worker.get().handle(message, messageId);
        context.getLogger().fine("upgrade message " + messageId + ": " + outcome);
    }

    @FunctionName("upgradePoison")
    public void poison(
            @QueueTrigger(name = "message", queueName = UpgradeQueue.POISON_NAME, connection = "AzureWebJobsStorage")
            String message,
            ExecutionContext context) {
        context.getLogger().warning("an upgrade message exhausted its deliveries; pausing the upgrade");
        worker.ifPresent(present -> present.giveUp(message));
    }
}
