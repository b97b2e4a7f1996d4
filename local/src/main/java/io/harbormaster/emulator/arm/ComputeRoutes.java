package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.cloud.CloudException;
import io.harbormaster.emulator.cloud.CloudOperation;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.ImageReference;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ProtectionPolicy;
import io.harbormaster.emulator.cloud.ScaleSetChange;
import io.harbormaster.emulator.cloud.ScaleSetSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Microsoft.Compute routes the emulator answers, matched case-insensitively as ARM matches paths (the spec
 * spells some "virtualmachines/{id}/poweroff", the SDK "virtualMachines/{id}/powerOff").
 */
final class ComputeRoutes {
    static final String API_VERSION = "2025-04-01";

    private final EmulatedCloud cloud;
    private final ArmFaults faults;
    private final ArmJson json;
    private final FlexibleRoutes virtualMachines;
    private final DiskRoutes disks;

    /** The routes of one resource group: its scale sets and VMs only, with ids in that group. */
    ComputeRoutes(EmulatedCloud cloud, ArmFaults faults, String resourceGroup) {
        this.cloud = cloud;
        this.faults = faults;
        this.json = new ArmJson(cloud.settings().subscriptionId(), resourceGroup);
        this.virtualMachines = new FlexibleRoutes(cloud, faults, json, this);
        this.disks = new DiskRoutes(cloud, json, resourceGroup);
    }

    /** {@code segments} follow ".../providers/Microsoft.Compute/"; names keep their case, keywords are compared lower-cased. */
    ArmResponse route(ArmRequest request, List<String> segments) {
        String kind = lower(segments.get(0));
        if (kind.equals("virtualmachinescalesets") && segments.size() >= 2) {
            return scaleSet(request, segments.get(1), segments.subList(2, segments.size()));
        }
        if (kind.equals("virtualmachines")) {
            return virtualMachines.route(request, segments.subList(1, segments.size()));
        }
        if (kind.equals("disks") && segments.size() == 1) {
            return disks.list(request);
        }
        return notImplemented(request);
    }

    /** SPEC ImageReference: a gallery image by {@code id}, else a marketplace image by its four names. */
    private static ImageReference imageReference(JsonNode image) {
        if (image.path("id").isTextual()) {
            return ImageReference.ofGallery(image.path("id").asText());
        }
        return new ImageReference(image.path("publisher").asText(null), image.path("offer").asText(null),
                image.path("sku").asText(null), image.path("version").asText(null));
    }

    private ArmResponse scaleSet(ArmRequest request, String name, List<String> rest) {
        snapshot(name);
        String method = request.method();
        if (rest.isEmpty()) {
            return switch (method) {
                case "GET" -> {
                    ScaleSetSnapshot s = snapshot(name);
                    yield ArmResponse.of(200, json.scaleSet(s, s.provisioningState())).header("ETag", s.etag());
                }
                case "PATCH" -> update(request, name);
                default -> notImplemented(request);
            };
        }
        String action = lower(rest.get(0));
        if (rest.size() == 1 && method.equals("POST")) {
            List<String> ids = instanceIds(request.body());
            CloudOperation operation = switch (action) {
                case "delete" -> cloud.deleteInstances(name, ids);
                case "deallocate" -> cloud.deallocate(name, ids);
                case "start" -> cloud.start(name, ids);
                case "poweroff" -> cloud.powerOff(name, ids, "true".equalsIgnoreCase(request.query().get("skipShutdown")));
                case "restart" -> cloud.restart(name, ids);
                case "reimage" -> cloud.reimage(name, ids);
                case "manualupgrade" -> cloud.manualUpgrade(name, ids);
                default -> null;
            };
            return operation == null ? notImplemented(request) : accepted(request, operation, location(name));
        }
        if (!action.equals("virtualmachines")) {
            return notImplemented(request);
        }
        // The scale-set VM API is Uniform's; Flexible VMs answer on the single-VM routes (FlexibleRoutes).
        cloud.requireUniform(name, "VirtualMachineScaleSetVMs");
        if (rest.size() == 1 && method.equals("GET")) {
            return listPage(request, name);
        }
        String id = rest.get(1);
        boolean expand = "instanceView".equalsIgnoreCase(request.query().get("$expand"));
        if (rest.size() == 2) {
            return switch (method) {
                case "GET" -> ArmResponse.of(200, json.instance(cloud.instance(name, id), expand, null));
                case "PUT" -> {
                    CloudOperation operation = cloud.updateProtection(name, id, protection(request.body(), name, id));
                    // Updating while the operation runs: the SDK then polls Azure-AsyncOperation.
                    yield accepted(request, operation, location(name),
                            ArmResponse.of(200, json.instance(cloud.instance(name, id), false, "Updating")));
                }
                default -> notImplemented(request);
            };
        }
        String sub = lower(rest.get(2));
        if (rest.size() == 3 && method.equals("GET") && sub.equals("instanceview")) {
            return ArmResponse.of(200, json.instanceView(cloud.instance(name, id)));
        }
        if (rest.size() == 3 && method.equals("POST")) {
            if (sub.equals("simulateeviction")) {
                cloud.simulateEviction(name, id);
                return ArmResponse.of(204, null);
            }
            cloud.instance(name, id); // 404 for a VM path that names no instance
            List<String> one = List.of(id);
            CloudOperation operation = switch (sub) {
                case "deallocate" -> cloud.deallocate(name, one);
                case "start" -> cloud.start(name, one);
                case "poweroff" -> cloud.powerOff(name, one, "true".equalsIgnoreCase(request.query().get("skipShutdown")));
                case "restart" -> cloud.restart(name, one);
                case "reimage" -> cloud.reimage(name, one);
                default -> null;
            };
            return operation == null ? notImplemented(request) : accepted(request, operation, location(name));
        }
        return notImplemented(request);
    }

    private ArmResponse update(ArmRequest request, String name) {
        JsonNode body = request.body();
        JsonNode capacity = body.path("sku").path("capacity");
        if (!capacity.isMissingNode() && !capacity.isIntegralNumber()) {
            throw new CloudException(400, "InvalidParameter", "The value of parameter sku.capacity is invalid.", "sku.capacity");
        }
        JsonNode profile = body.path("properties").path("virtualMachineProfile");
        JsonNode customData = profile.path("osProfile").path("customData");
        JsonNode image = profile.path("storageProfile").path("imageReference");
        ScaleSetChange change = new ScaleSetChange(
                capacity.isIntegralNumber() ? capacity.asLong() : null,
                body.path("sku").path("name").isTextual() ? body.path("sku").path("name").asText() : null,
                customData.isTextual() ? customData.asText() : null,
                image.isObject() ? imageReference(image) : null);
        CloudOperation operation = cloud.update(name, change, request.header("If-Match"));
        ScaleSetSnapshot s = snapshot(name);
        // 200 with the body, never 202: the spec and the SDK allow only 200 for VirtualMachineScaleSets_Update.
        return accepted(request, operation, s.location(),
                ArmResponse.of(200, json.scaleSet(s, "Updating")).header("ETag", s.etag()));
    }

    /** A page of instances: {@code $skiptoken} is the instance id to start after; the nextLink carries the api-version. */
    private ArmResponse listPage(ArmRequest request, String name) {
        boolean expand = "instanceView".equalsIgnoreCase(request.query().get("$expand"));
        long after = -1;
        String token = request.query().get("$skiptoken");
        if (token != null) {
            try {
                after = Long.parseLong(token);
            } catch (NumberFormatException e) {
                throw new CloudException(400, "InvalidParameter", "The value of parameter $skiptoken is invalid.", "$skiptoken");
            }
        }
        int pageSize = faults.pageSize();
        List<InstanceSnapshot> page = new ArrayList<>();
        boolean more = false;
        for (InstanceSnapshot instance : cloud.instances(name)) {
            if (Long.parseLong(instance.instanceId()) <= after) {
                continue;
            }
            if (page.size() == pageSize) {
                more = true;
                break;
            }
            page.add(instance);
        }
        ObjectNode body = ArmJson.JSON.createObjectNode();
        ArrayNode value = body.putArray("value");
        page.forEach(instance -> value.add(json.instance(instance, expand, null)));
        if (more) {
            body.put("nextLink", request.base() + json.scaleSetId(name).substring(1) + "/virtualMachines?api-version="
                    + API_VERSION + (expand ? "&$expand=instanceView" : "") + "&$skiptoken="
                    + page.get(page.size() - 1).instanceId());
        }
        return ArmResponse.of(200, body);
    }

    ArmResponse accepted(ArmRequest request, CloudOperation operation, String location) {
        return accepted(request, operation, location, ArmResponse.of(202, null));
    }

    /** Learn "Track asynchronous Azure operations": Azure-AsyncOperation (preferred), Location and Retry-After. */
    private ArmResponse accepted(ArmRequest request, CloudOperation operation, String location, ArmResponse response) {
        String url = request.base() + "subscriptions/" + cloud.settings().subscriptionId()
                + "/providers/Microsoft.Compute/locations/" + location + "/operations/" + operation.id();
        return response.header("Azure-AsyncOperation", url + "?api-version=" + API_VERSION)
                .header("Location", url + "?monitor=true&api-version=" + API_VERSION)
                .header("Retry-After", Long.toString(faults.retryAfter().toSeconds()));
    }

    /** GET .../locations/{loc}/operations/{id}: the status document, or with monitor=true 202 until done, then 200. */
    ArmResponse operationStatus(ArmRequest request, String location, String id) {
        var status = cloud.operation(id).orElseThrow(() -> new CloudException(404, "NotFound",
                "The operation " + id + " was not found."));
        String retryAfter = Long.toString(faults.retryAfter().toSeconds());
        if ("true".equalsIgnoreCase(request.query().get("monitor"))) {
            if (!status.ended()) {
                return ArmResponse.of(202, null).header("Location", request.base() + request.path().substring(1)
                        + "?monitor=true&api-version=" + API_VERSION).header("Retry-After", retryAfter);
            }
            // No source says what the Location URL answers for a failed operation; the error body with 400 is ours.
            return status.error() == null ? ArmResponse.of(200, null)
                    : ArmResponse.error(400, status.error().code(), status.error().message());
        }
        ArmResponse response = ArmResponse.of(200, ArmJson.operation(status));
        return status.ended() ? response : response.header("Retry-After", retryAfter);
    }

    /** The scale set, if it is in this group: one of another group is not found here, as in ARM. */
    private ScaleSetSnapshot snapshot(String name) {
        return cloud.scaleSet(name).filter(any -> inThisGroup(name)).orElseThrow(() -> new CloudException(404,
                "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachineScaleSets/" + name
                        + "' under resource group '" + json.resourceGroup() + "' was not found."));
    }

    boolean inThisGroup(String scaleSetName) {
        return cloud.resourceGroupOf(scaleSetName).filter(json.resourceGroup()::equalsIgnoreCase).isPresent();
    }

    String location(String scaleSet) {
        return snapshot(scaleSet).location();
    }

    private ProtectionPolicy protection(JsonNode body, String name, String id) {
        JsonNode policy = body.path("properties").path("protectionPolicy");
        InstanceSnapshot current = cloud.instance(name, id);
        ProtectionPolicy was = current.protection() == null ? new ProtectionPolicy(false, false) : current.protection();
        if (!policy.isObject()) {
            return was;
        }
        JsonNode scaleIn = policy.path("protectFromScaleIn");
        JsonNode actions = policy.path("protectFromScaleSetActions");
        return new ProtectionPolicy(scaleIn.isBoolean() ? scaleIn.asBoolean() : was.protectFromScaleIn(),
                actions.isBoolean() ? actions.asBoolean() : was.protectFromScaleSetActions());
    }

    /** The instanceIds of a body; null when the body or the field is absent (meaning "all" where the spec allows). */
    private static List<String> instanceIds(JsonNode body) {
        JsonNode ids = body.path("instanceIds");
        if (!ids.isArray()) {
            return null;
        }
        List<String> list = new ArrayList<>();
        ids.forEach(id -> list.add(id.asText()));
        return list;
    }

    static ArmResponse notImplemented(ArmRequest request) {
        // Not ARM's answer for an unknown route (which depends on the provider); the emulator's own 404.
        return ArmResponse.error(404, "NotFound", "The emulator does not answer " + request.method() + " "
                + request.path() + ".");
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
