package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.drain.DrainWorker;

/** Queue triggers on drain-requests (one pass of a drain) and on its poison queue (mark the drain failed). */
public class DrainWorkerFunction {
    private final DrainWorker worker;

    public DrainWorkerFunction() {
        this(ControlPlane.instance().drainWorker());
    }

    DrainWorkerFunction(DrainWorker worker) {
        this.worker = worker;
    }

    @FunctionName("drainWorker")
    public void drain(
            @QueueTrigger(name = "message", queueName = DrainQueue.NAME, connection = "AzureWebJobsStorage") String message,
            @BindingName("Id") String messageId,
            @BindingName("DequeueCount") long dequeueCount,
            ExecutionContext context) {
        DrainWorker.Outcome outcome = worker.handle(message, messageId);
        context.getLogger().fine("drain message " + messageId + " (delivery " + dequeueCount + "): " + outcome);
    }

    @FunctionName("drainPoison")
    public void poison(
            @QueueTrigger(name = "message", queueName = DrainQueue.POISON_NAME, connection = "AzureWebJobsStorage")
            String message,
            ExecutionContext context) {
        context.getLogger().warning("a drain message exhausted its deliveries; marking its drain failed");
        worker.giveUp(message);
    }
}
