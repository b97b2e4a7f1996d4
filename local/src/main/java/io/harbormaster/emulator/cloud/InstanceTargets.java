package io.harbormaster.emulator.cloud;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Which instances a request names, refused with ARM's codes when one is missing, gone or busy; call under the lock. */
final class InstanceTargets {

    /** @throws CloudException 404 NotFound, as ARM answers a VM path that names no instance */
    Instance existing(ScaleSetState scaleSet, String instanceId) {
        Instance instance = scaleSet.find(instanceId);
        if (instance == null) {
            throw new CloudException(404, "NotFound", "The entity was not found in this Azure location.");
        }
        return instance;
    }

    /** An instance a VM-level write may change: not marked for deletion (409 OperationNotAllowed), not busy (409 Conflict). */
    Instance changeable(ScaleSetState scaleSet, String instanceId, String operationName) {
        Instance instance = existing(scaleSet, instanceId);
        if (instance.deleting) {
            // Azure/azure-sdk-for-python#2702, sassoftware/viya4-iac-azure#140: the wording for a VM being deleted.
            throw new CloudException(409, "OperationNotAllowed", "Operation '" + operationName + "' is not allowed on VM '"
                    + instance.name + "' since the VM is marked for deletion. You can only retry the Delete operation "
                    + "(or wait for an ongoing one to complete).");
        }
        requireIdle(instance);
        return instance;
    }

    /**
     * The active instances an instanceIds body names. Omitted ids mean every instance, except those protected from
     * scale-set actions, when {@code allMeansAll}. A missing or deleting id is 400 InvalidParameter with ARM's public
     * wording (microsoft/onefuzz#2547, Azure/azure-cli#25476); an instance another operation is changing is 409.
     */
    List<Instance> active(ScaleSetState scaleSet, List<String> instanceIds, boolean allMeansAll) {
        List<Instance> chosen = new ArrayList<>();
        if ((instanceIds == null || instanceIds.isEmpty()) && allMeansAll) {
            scaleSet.instances.values().stream()
                    .filter(instance -> !instance.deleting && !instance.protectedFromScaleSetActions())
                    .forEach(chosen::add);
        } else {
            Set<String> unique = new LinkedHashSet<>(instanceIds == null ? List.of() : instanceIds);
            for (String id : unique) {
                Instance instance = scaleSet.find(id);
                if (instance == null || instance.deleting) {
                    throw new CloudException(400, "InvalidParameter", "The provided instanceId " + id
                            + " is not an active Virtual Machine Scale Set VM instanceId.", "instanceIds");
                }
                chosen.add(instance);
            }
        }
        chosen.forEach(InstanceTargets::requireIdle);
        return chosen;
    }

    /**
     * Scale-in by lowering the capacity: the newest instances that are not protected from scale-in, not being deleted
     * and not busy (a simplification of the Default scale-in policy, which also balances zones and fault domains).
     */
    List<Instance> scaleInVictims(ScaleSetState scaleSet, long capacity) {
        long remove = scaleSet.capacity - capacity;
        return scaleSet.instances.values().stream()
                .filter(instance -> !instance.deleting && instance.busyWith == null && !instance.protectedFromScaleIn())
                .sorted(Comparator.comparingLong((Instance instance) -> instance.id).reversed())
                .limit(Math.max(0, remove))
                .toList();
    }

    private static void requireIdle(Instance instance) {
        if (instance.busyWith != null) {
            // cloudfoundry/bosh-azure-cpi-release#173: ARM's wording for a request that collides with a running one.
            throw new CloudException(409, "Conflict", "The request failed due to conflict with a concurrent request. "
                    + "VM '" + instance.name + "' is being changed by another operation.");
        }
    }
}
