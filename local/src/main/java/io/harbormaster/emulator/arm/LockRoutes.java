package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.cloud.CloudException;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.ResourceLocks;
import java.util.List;

/**
 * Management locks on VMs (azure-rest-api-specs {@code specification/resources/resource-manager/Microsoft.Authorization/
 * locks/stable/2017-04-01/locks.json}, the version azure-resourcemanager-resources sends): create, get and delete on a
 * VM (by scope or at resource level: the same path), list at resource-group level. Learn "Orchestration modes API
 * comparison" names them Flexible's instance protection.
 */
final class LockRoutes {
    static final String API_VERSION = "2017-04-01";

    private final EmulatedCloud cloud;
    private final ArmJson json;

    LockRoutes(EmulatedCloud cloud, ArmJson json) {
        this.cloud = cloud;
        this.json = json;
    }

    /** Whether a path's segments reach the lock provider, so the request is answered at {@link #API_VERSION}. */
    static boolean handles(List<String> segments) {
        return segments.stream().anyMatch(segment -> segment.equalsIgnoreCase("Microsoft.Authorization"));
    }

    /** {@code rest} follows ".../virtualMachines/{vm}/providers": "Microsoft.Authorization", "locks", {name}. */
    ArmResponse onVm(ArmRequest request, String vmName, List<String> rest) {
        if (rest.size() != 3 || !rest.get(0).equalsIgnoreCase("Microsoft.Authorization")
                || !rest.get(1).equalsIgnoreCase("locks")) {
            return ComputeRoutes.notImplemented(request);
        }
        String lockName = rest.get(2);
        if (cloud.vmResourceGroup(vmName).filter(json.resourceGroup()::equalsIgnoreCase).isEmpty()) {
            throw new CloudException(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + vmName
                    + "' under resource group '" + json.resourceGroup() + "' was not found.");
        }
        return switch (request.method()) {
            case "PUT" -> {
                JsonNode properties = request.body().path("properties");
                String level = properties.path("level").asText("");
                String notes = properties.path("notes").isTextual() ? properties.path("notes").asText() : null;
                // ManagementLocks_CreateOrUpdateByScope (and _AtResourceLevel): 201 for a new lock, 200 for a changed one.
                boolean created = cloud.putLock(vmName, lockName, level, notes);
                yield ArmResponse.of(created ? 201 : 200, lock(new ResourceLocks.Lock(vmName, lockName, level, notes)));
            }
            case "GET" -> ArmResponse.of(200, lock(cloud.lock(vmName, lockName).orElseThrow(() -> new CloudException(404,
                    "LockNotFound", "The lock '" + lockName + "' could not be found."))));
            // ManagementLocks_DeleteByScope (and _AtResourceLevel): 200, or 204 when there was no lock.
            case "DELETE" -> ArmResponse.of(cloud.deleteLock(vmName, lockName) ? 200 : 204, null);
            default -> ComputeRoutes.notImplemented(request);
        };
    }

    /** ManagementLocks_ListAtResourceGroupLevel: every lock of this resource group's VMs, one page. */
    ArmResponse list(ArmRequest request) {
        if (!request.method().equals("GET")) {
            return ComputeRoutes.notImplemented(request);
        }
        ObjectNode body = ArmJson.JSON.createObjectNode();
        ArrayNode value = body.putArray("value");
        cloud.locks().stream()
                .filter(lock -> cloud.vmResourceGroup(lock.vmName()).filter(json.resourceGroup()::equalsIgnoreCase).isPresent())
                .forEach(lock -> value.add(lock(lock)));
        return ArmResponse.of(200, body);
    }

    /** SPEC examples' shape: {properties{level, notes}, id, type, name}; the id is under the locked VM's. */
    private ObjectNode lock(ResourceLocks.Lock lock) {
        ObjectNode root = ArmJson.JSON.createObjectNode();
        ObjectNode properties = root.putObject("properties");
        properties.put("level", lock.level());
        if (lock.notes() != null) {
            properties.put("notes", lock.notes());
        }
        root.put("id", json.vmId(lock.vmName()) + "/providers/Microsoft.Authorization/locks/" + lock.name());
        root.put("type", "Microsoft.Authorization/locks");
        root.put("name", lock.name());
        return root;
    }
}
