package io.harbormaster.emulator.cloud;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Management locks on VMs (azure-rest-api-specs, Microsoft.Authorization locks 2017-04-01): level CanNotDelete or
 * ReadOnly, both of which refuse a delete of the VM (Learn "Lock your resources to protect your infrastructure").
 * Guarded by the cloud's lock.
 */
public final class ResourceLocks {
    /** One lock on one VM. */
    public record Lock(String vmName, String name, String level, String notes) {
    }

    // By lower-case VM name, then lower-case lock name: ARM resource names are case-insensitive.
    private final Map<String, Map<String, Lock>> byVm = new LinkedHashMap<>();

    boolean put(String vmName, String lockName, String level, String notes) {
        if (!level.equals("CanNotDelete") && !level.equals("ReadOnly")) {
            throw new CloudException(400, "InvalidLockLevel", "The lock level '" + level + "' is invalid. It must be "
                    + "CanNotDelete or ReadOnly.");
        }
        return byVm.computeIfAbsent(key(vmName), any -> new LinkedHashMap<>())
                .put(key(lockName), new Lock(vmName, lockName, level, notes)) == null;
    }

    Optional<Lock> get(String vmName, String lockName) {
        return Optional.ofNullable(byVm.getOrDefault(key(vmName), Map.of()).get(key(lockName)));
    }

    boolean delete(String vmName, String lockName) {
        Map<String, Lock> locks = byVm.get(key(vmName));
        return locks != null && locks.remove(key(lockName)) != null;
    }

    List<Lock> all() {
        List<Lock> all = new ArrayList<>();
        byVm.values().forEach(locks -> all.addAll(locks.values()));
        return all;
    }

    /**
     * 409 ScopeLocked when one of the VMs has a lock, with the message ARM gives for a delete under a lock (seen in
     * public reports of az and PowerShell output: "The scope '...' cannot perform delete operation because following
     * scope(s) are locked: '...'. Please remove the lock and try again.").
     */
    void requireDeletable(List<String> vmNames, String subscriptionId, String resourceGroup) {
        for (String vmName : vmNames) {
            if (!byVm.getOrDefault(key(vmName), Map.of()).isEmpty()) {
                String scope = "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup
                        + "/providers/Microsoft.Compute/virtualMachines/" + vmName;
                throw new CloudException(409, "ScopeLocked", "The scope '" + scope + "' cannot perform delete operation "
                        + "because following scope(s) are locked: '" + scope + "'. Please remove the lock and try again.");
            }
        }
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
