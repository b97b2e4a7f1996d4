package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.cloud.CloudException;
import io.harbormaster.emulator.cloud.CloudOperation;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.StandaloneVm;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The single-VM routes ({@code .../providers/Microsoft.Compute/virtualMachines...}, SPEC virtualMachine.json) that
 * serve the standalone managers and the VMs of Flexible scale sets, which Learn "Orchestration modes API comparison"
 * names as Flexible's alternatives to the scale-set VM API; locks on a VM go to {@link LockRoutes}.
 */
final class FlexibleRoutes {
    // SPEC VirtualMachines_List: "Allowed value is 'virtualMachineScaleSet/id' eq /subscriptions/.../{vmssName}'".
    private static final Pattern SCALE_SET_FILTER = Pattern.compile(
            "\\s*'virtualMachineScaleSet/id'\\s+eq\\s+'([^']+)'\\s*", Pattern.CASE_INSENSITIVE);

    private final EmulatedCloud cloud;
    private final ArmFaults faults;
    private final ArmJson json;
    private final ComputeRoutes compute;
    private final LockRoutes locks;

    FlexibleRoutes(EmulatedCloud cloud, ArmFaults faults, ArmJson json, ComputeRoutes compute) {
        this.cloud = cloud;
        this.faults = faults;
        this.json = json;
        this.compute = compute;
        this.locks = new LockRoutes(cloud, json);
    }

    /** {@code rest} follows ".../Microsoft.Compute/virtualMachines". */
    ArmResponse route(ArmRequest request, List<String> rest) {
        String method = request.method();
        if (rest.isEmpty()) {
            return method.equals("GET") ? list(request) : ComputeRoutes.notImplemented(request);
        }
        String name = rest.get(0);
        if (rest.size() >= 2 && lower(rest.get(1)).equals("providers")) {
            return locks.onVm(request, name, rest.subList(2, rest.size()));
        }
        boolean expand = "instanceView".equalsIgnoreCase(request.query().get("$expand"));
        // A VM of another group is not found here, as in ARM: the managers are in the cloud's, a Flexible VM in its scale set's.
        if (cloud.vmResourceGroup(name).filter(json.resourceGroup()::equalsIgnoreCase).isEmpty()) {
            throw new CloudException(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + name
                    + "' under resource group '" + json.resourceGroup() + "' was not found.");
        }
        Optional<StandaloneVm> standalone = cloud.standaloneVm(name);
        if (standalone.isPresent()) {
            StandaloneVm vm = standalone.get();
            if (rest.size() == 1 && method.equals("GET")) {
                ObjectNode body = json.standaloneVm(vm);
                if (expand) {
                    ((ObjectNode) body.get("properties")).set("instanceView", json.standaloneInstanceView(vm));
                }
                return ArmResponse.of(200, body);
            }
            if (rest.size() == 2 && method.equals("GET") && lower(rest.get(1)).equals("instanceview")) {
                return ArmResponse.of(200, json.standaloneInstanceView(vm));
            }
            return ComputeRoutes.notImplemented(request);
        }
        String scaleSet = cloud.flexibleScaleSetOf(name).orElseThrow(() -> new CloudException(404, "ResourceNotFound",
                "The Resource 'Microsoft.Compute/virtualMachines/" + name + "' under resource group '"
                        + json.resourceGroup() + "' was not found."));
        if (rest.size() == 1) {
            return switch (method) {
                case "GET" -> ArmResponse.of(200, json.flexibleVm(cloud.instance(scaleSet, name), expand));
                // SPEC VirtualMachines_Delete: 200, 202 or 204; the delete runs as an operation, as the batch one does.
                case "DELETE" -> compute.accepted(request, cloud.deleteInstances(scaleSet, List.of(name)),
                        compute.location(scaleSet));
                default -> ComputeRoutes.notImplemented(request);
            };
        }
        String action = lower(rest.get(1));
        if (rest.size() == 2 && method.equals("GET") && action.equals("instanceview")) {
            return ArmResponse.of(200, json.instanceView(cloud.instance(scaleSet, name)));
        }
        if (rest.size() == 2 && method.equals("POST")) {
            if (action.equals("simulateeviction")) {
                cloud.simulateEviction(scaleSet, name);
                return ArmResponse.of(204, null);
            }
            List<String> one = List.of(name);
            CloudOperation operation = switch (action) {
                case "deallocate" -> cloud.deallocate(scaleSet, one);
                case "start" -> cloud.start(scaleSet, one);
                case "poweroff" -> cloud.powerOff(scaleSet, one, "true".equalsIgnoreCase(request.query().get("skipShutdown")));
                case "restart" -> cloud.restart(scaleSet, one);
                case "reimage" -> cloud.reimage(scaleSet, one);
                default -> null;
            };
            return operation == null ? ComputeRoutes.notImplemented(request)
                    : compute.accepted(request, operation, compute.location(scaleSet));
        }
        return ComputeRoutes.notImplemented(request);
    }

    /**
     * VirtualMachines_List of the resource group: with the scale-set filter, that Flexible scale set's VMs; without,
     * the standalone VMs and every Flexible VM. {@code $expand=instanceView} needs the filter (SPEC: "this can only be
     * specified if a valid $filter option is specified"); without it, 400 InvalidParameter (the code is ours). Paged
     * by nextLink, {@code $skiptoken} the last VM name of the page (ours, as for the scale-set VM list).
     */
    private ArmResponse list(ArmRequest request) {
        String filter = request.query().get("$filter");
        boolean expand = "instanceView".equalsIgnoreCase(request.query().get("$expand"));
        String scaleSet = null;
        if (filter != null) {
            Matcher matcher = SCALE_SET_FILTER.matcher(filter);
            if (!matcher.matches()) {
                throw new CloudException(400, "InvalidParameter", "The value of parameter $filter is invalid.", "$filter");
            }
            String id = matcher.group(1);
            String prefix = json.scaleSetId("");
            if (!id.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return page(request, List.of(), false, filter);
            }
            scaleSet = id.substring(prefix.length());
            if (cloud.scaleSet(scaleSet).isEmpty() || !compute.inThisGroup(scaleSet)) {
                return page(request, List.of(), false, filter);
            }
        } else if (expand) {
            throw new CloudException(400, "InvalidParameter", "The value of parameter $expand is invalid: instanceView "
                    + "needs a $filter.", "$expand");
        }
        List<ObjectNode> vms = new ArrayList<>();
        if (scaleSet == null && cloud.settings().resourceGroup().equalsIgnoreCase(json.resourceGroup())) {
            cloud.standaloneVms().forEach(vm -> vms.add(json.standaloneVm(vm)));
        }
        for (InstanceSnapshot vm : cloud.flexibleVms(scaleSet)) {
            if (compute.inThisGroup(vm.scaleSetName())) {
                vms.add(json.flexibleVm(vm, expand));
            }
        }
        return page(request, vms, expand, filter);
    }

    private ArmResponse page(ArmRequest request, List<ObjectNode> vms, boolean expand, String filter) {
        String after = request.query().get("$skiptoken");
        int start = 0;
        if (after != null) {
            while (start < vms.size() && !vms.get(start).path("name").asText().equalsIgnoreCase(after)) {
                start++;
            }
            start++;
        }
        int end = Math.min(vms.size(), start + faults.pageSize());
        ObjectNode body = ArmJson.JSON.createObjectNode();
        ArrayNode value = body.putArray("value");
        for (int i = start; i < end; i++) {
            value.add(vms.get(i));
        }
        if (end < vms.size()) {
            String next = request.base() + json.vmId("").substring(1, json.vmId("").length() - 1) + "?api-version="
                    + ComputeRoutes.API_VERSION + (filter == null ? "" : "&$filter=" + encode(filter))
                    + (expand ? "&$expand=instanceView" : "") + "&$skiptoken=" + vms.get(end - 1).path("name").asText();
            body.put("nextLink", next);
        }
        return ArmResponse.of(200, body);
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
