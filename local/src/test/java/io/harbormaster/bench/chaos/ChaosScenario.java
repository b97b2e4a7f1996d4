package io.harbormaster.bench.chaos;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.models.PeekedMessageItem;
import io.harbormaster.testsupport.LocalServices;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The faults of the chaos benchmark (issue 12), each injected once per phase, when the phase's trigger is seen: in a
 * scale-in when a drain starts, in a scale-out when the host asks ARM for more capacity. Each fault undoes itself
 * before {@link #inject} returns.
 */
enum ChaosScenario {
    /** (a) The manager's API, as the host reaches it (mutual TLS through a relay), refuses every connection for 20 s. */
    API_DOWN('a', "manager API down for 20 s") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            run.managerLink().sever();
            try {
                Thread.sleep(OUTAGE.toMillis());
            } finally {
                run.managerLink().mend();
            }
        }
    },
    /** (b) The host is killed (SIGKILL) and started again 2 s later, with the same settings. */
    HOST_KILLED('b', "host killed and restarted") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            run.cluster().killHost();
            Thread.sleep(2_000);
            run.cluster().startHost();
        }
    },
    /**
     * (c) For 20 s every message seen in the host's queues (drain-requests, capacity-checks) is sent again twice at
     * once; then each once more, after the newer ones: duplicated and reordered.
     */
    DUPLICATE_MESSAGES('c', "duplicate and reordered queue messages") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            List<QueueClient> queues = List.of(queue("drain-requests"), queue("capacity-checks"));
            Map<String, Map.Entry<QueueClient, String>> seen = new LinkedHashMap<>();
            Instant end = Instant.now().plus(OUTAGE);
            while (Instant.now().isBefore(end)) {
                for (QueueClient queue : queues) {
                    for (PeekedMessageItem message : queue.peekMessages(32, null, null)) {
                        if (seen.putIfAbsent(message.getMessageId(),
                                Map.entry(queue, message.getBody().toString())) == null) {
                            queue.sendMessage(message.getBody());
                            queue.sendMessage(message.getBody());
                        }
                    }
                }
                Thread.sleep(300);
            }
            List<Map.Entry<QueueClient, String>> oldestFirst = new ArrayList<>(seen.values());
            for (Map.Entry<QueueClient, String> message : oldestFirst) {
                message.getKey().sendMessage(message.getValue());
            }
            run.note(seen.size() + " messages copied");
        }

        private QueueClient queue(String name) {
            return new QueueClientBuilder().connectionString(LocalServices.storageConnectionString()).queueName(name)
                    .buildClient();
        }
    },
    /** (d) Storage (blob and queue endpoints of Azurite, as the host reaches them through relays) down for 20 s. */
    STORAGE_DOWN('d', "storage down for 20 s") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            run.blobLink().sever();
            run.queueLink().sever();
            try {
                Thread.sleep(OUTAGE.toMillis());
            } finally {
                run.blobLink().mend();
                run.queueLink().mend();
            }
        }
    },
    /** (e) For 20 s, the emulator's ARM answers bursts of 429 (Retry-After 1 s), 500 and 503 (its control knobs). */
    ARM_STORM('e', "storm of ARM 429s and 5xx") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            Instant end = Instant.now().plus(OUTAGE);
            int bursts = 0;
            while (Instant.now().isBefore(end)) {
                run.control("/faults/throttle?count=3&retryAfterSeconds=1");
                run.control("/faults/server-error?count=2&status=" + (bursts % 2 == 0 ? 503 : 500));
                bursts++;
                Thread.sleep(2_000);
            }
            run.control("/faults/clear");
            run.note(bursts + " bursts of 3 x 429 and 2 x 5xx");
        }
    },
    /** (f) Another agent restarts (ARM restart: shutdown, then boot) while one is drained or one is added. */
    AGENT_REBOOT('f', "an agent rebooting during the scale-in of another") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            List<SwarmSample.Instance> others = run.bystanders(1);
            if (others.isEmpty()) {
                run.note("no other agent to reboot");
                return;
            }
            run.disturbed(others.get(0).computerName());
            run.restart(others.get(0));
            run.note("restarted " + others.get(0).computerName());
        }
    },
    /** (g) Azure Monitor's autoscale webhook posted at each tick of the timer check, 5 times. */
    OVERLAPPING_CHECKS('g', "a timer check and a webhook check overlapping") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            for (int i = 0; i < 5; i++) {
                run.awaitTimerTick();
                run.postAutoscaleWebhook();
                run.postAutoscaleWebhook();
            }
        }
    },
    /**
     * (h) Azure deletes another agent (a Terminate event, which its watcher drains for), then cancels the event while
     * that drain is under way: the instance stays.
     */
    TERMINATE_CANCELLED('h', "a Terminate cancelled mid-drain") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            List<SwarmSample.Instance> others = run.bystanders(1);
            if (others.isEmpty()) {
                run.note("no other agent to terminate");
                return;
            }
            SwarmSample.Instance victim = others.get(0);
            run.deleteAsAzure(List.of(victim));
            boolean draining = run.awaitNodeDraining(victim.computerName(), Duration.ofSeconds(20));
            String answer = run.control("/events/cancel?vm=" + victim.vmName());
            boolean cancelled = !answer.contains("\"cancelled\":[]");
            run.note("Terminate of " + victim.computerName() + (cancelled ? " cancelled " : " NOT cancelled (it had "
                    + "already started: approved first) ") + (draining ? "after its node was seen draining"
                    : "(its node was not seen draining within 20 s)"));
        }
    },
    /**
     * (i) Azure deletes two agents in one request (one Terminate listing both VMs): in a scale-in the one being drained
     * and another, in a scale-out two of the older ones.
     */
    TWO_VM_TERMINATE('i', "a Terminate listing 2 VMs") {
        @Override
        void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception {
            List<SwarmSample.Instance> victims = new ArrayList<>();
            if (phase == ChaosRun.Phase.SCALE_IN) {
                run.draining().ifPresent(victims::add);
            }
            for (SwarmSample.Instance other : run.bystanders(2)) {
                if (victims.size() < 2) {
                    victims.add(other);
                }
            }
            run.deleteAsAzure(victims);
            run.note("deleted " + victims.stream().map(SwarmSample.Instance::computerName).toList() + " in one request");
        }
    };

    static final Duration OUTAGE = Duration.ofSeconds(20);

    final char letter;
    final String title;

    ChaosScenario(char letter, String title) {
        this.letter = letter;
        this.title = title;
    }

    abstract void inject(ChaosRun run, ChaosRun.Phase phase) throws Exception;

    static ChaosScenario of(char letter) {
        for (ChaosScenario scenario : values()) {
            if (scenario.letter == Character.toLowerCase(letter)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException("no scenario " + letter + "; a to i");
    }
}
