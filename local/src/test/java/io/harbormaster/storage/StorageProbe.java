package io.harbormaster.storage;

import com.azure.storage.common.policy.RequestRetryOptions;
import io.harbormaster.capacity.BlobCapacityState;
import io.harbormaster.capacity.CapacityState;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.drain.BlobDrainStatusStore;
import io.harbormaster.drain.DrainMessage;
import io.harbormaster.drain.DrainQueue;
import io.harbormaster.drain.StorageDrainQueue;
import java.time.Duration;
import java.util.Optional;

/**
 * Run in a child JVM whose environment is the app's: the storage settings, IDENTITY_ENDPOINT and IDENTITY_HEADER
 * (MSAL, under ManagedIdentityCredential, reads the process environment only), and the trust store of the emulator's
 * CA as a JVM option. Builds the storage clients exactly as ControlPlane does and uses each once; prints
 * "ok &lt;step&gt;" per step, or "failed &lt;step&gt; &lt;exception class&gt; &lt;status&gt;" and stops.
 */
public final class StorageProbe {
    private StorageProbe() {
    }

    public static void main(String[] args) {
        String step = "settings";
        try {
            StorageSettings settings = StorageSettings.from(AppSettings.fromEnvironment());
            StorageClients storage = StorageClients.connect(settings);
            step = "drain-status container";
            BlobDrainStatusStore statuses = BlobDrainStatusStore.connect(storage).ensureContainer();
            statuses.list();
            System.out.println("ok " + step);
            step = "drain queue";
            StorageDrainQueue.connect(storage, DrainQueue.NAME).ensureQueue()
                    .send(DrainMessage.of("probe-request", args[0], 1), Duration.ZERO);
            System.out.println("ok " + step);
            step = "capacity lease";
            BlobCapacityState capacity = BlobCapacityState.connect(storage).ensureContainer();
            Optional<CapacityState.Lease> lease = capacity.tryAcquire();
            if (lease.isEmpty()) {
                System.out.println("failed " + step + " NotAcquired 0");
                System.exit(0);
            }
            capacity.readHistory();
            lease.get().close();
            System.out.println("ok " + step);
            step = "capacity-checks queue";
            storage.queue("capacity-checks", new RequestRetryOptions()).createIfNotExists();
            System.out.println("ok " + step);
        } catch (RuntimeException e) {
            int status = e instanceof com.azure.core.exception.HttpResponseException http
                    ? http.getResponse().getStatusCode() : 0;
            System.out.println("failed " + step + " " + e.getClass().getSimpleName() + " " + status);
        }
        System.exit(0);
    }
}
