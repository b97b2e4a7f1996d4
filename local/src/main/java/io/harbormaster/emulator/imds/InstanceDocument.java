package io.harbormaster.emulator.imds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code /metadata/instance} document of one VM (Learn, instance-metadata-service.md "Get VM metadata"): the compute
 * fields that {@link VmMetadata} carries, empty strings for the rest ("missing or inapplicable values are always included
 * but will be set to an empty string"), and one network interface whose private address is the caller's.
 */
final class InstanceDocument {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private InstanceDocument() {
    }

    static ObjectNode of(VmMetadata vm, InetAddress caller) {
        ObjectNode document = NODES.objectNode();
        document.set("compute", compute(vm));
        document.set("network", network(caller));
        return document;
    }

    private static ObjectNode compute(VmMetadata vm) {
        ObjectNode compute = NODES.objectNode();
        // Learn's text sample shows "AzurePublicCloud" (its JSON sample upper-cases it); we answer the text form in both.
        compute.put("azEnvironment", "AzurePublicCloud");
        compute.set("additionalCapabilities", NODES.objectNode().put("hibernationEnabled", "false"));
        compute.put("customData", "");
        compute.put("evictionPolicy", vm.evictionPolicy());
        compute.put("isHostCompatibilityLayerVm", "false");
        compute.put("location", vm.location());
        compute.put("name", vm.name());
        compute.put("offer", "");
        compute.set("osProfile", NODES.objectNode()
                .put("adminUsername", "")
                .put("computerName", vm.computerName())
                .put("disablePasswordAuthentication", "true"));
        compute.put("osType", "Linux");
        compute.put("placementGroupId", "");
        compute.set("plan", NODES.objectNode().put("name", "").put("product", "").put("publisher", ""));
        compute.put("platformFaultDomain", "0");
        compute.put("platformUpdateDomain", "0");
        compute.put("priority", vm.priority());
        compute.put("provider", "Microsoft.Compute");
        compute.set("publicKeys", NODES.arrayNode());
        compute.put("publisher", "");
        compute.put("resourceGroupName", vm.resourceGroupName());
        compute.put("resourceId", vm.resourceId());
        compute.put("sku", "");
        compute.put("subscriptionId", vm.subscriptionId());
        // Sorted by name, as Learn's sample ("baz:bash;foo:bar") is, so the answer does not depend on the Map's order.
        Map<String, String> tags = new TreeMap<>(vm.tags());
        compute.put("tags", tags.entrySet().stream()
                .map(tag -> tag.getKey() + ":" + tag.getValue())
                .collect(Collectors.joining(";")));
        ArrayNode tagsList = NODES.arrayNode();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            tagsList.add(NODES.objectNode().put("name", tag.getKey()).put("value", tag.getValue()));
        }
        compute.set("tagsList", tagsList);
        compute.put("userData", "");
        compute.put("version", "");
        compute.put("vmId", vm.vmId());
        compute.put("vmScaleSetName", vm.vmScaleSetName());
        compute.put("vmSize", vm.vmSize());
        compute.put("zone", vm.zone());
        return compute;
    }

    private static ObjectNode network(InetAddress caller) {
        ObjectNode ipv4 = NODES.objectNode();
        ipv4.set("ipAddress", NODES.arrayNode().add(NODES.objectNode()
                .put("privateIpAddress", caller.getHostAddress())
                .put("publicIpAddress", "")));
        ipv4.set("subnet", NODES.arrayNode().add(NODES.objectNode().put("address", "").put("prefix", "")));
        ObjectNode nic = NODES.objectNode();
        nic.set("ipv4", ipv4);
        nic.set("ipv6", NODES.objectNode().set("ipAddress", NODES.arrayNode()));
        nic.put("macAddress", "");
        return NODES.objectNode().set("interface", NODES.arrayNode().add(nic));
    }

    /** Walks route parameters (object keys, array indexes) down from {@code node}; empty when an element is missing. */
    static Optional<JsonNode> at(JsonNode node, Iterable<String> route) {
        JsonNode current = node;
        for (String step : route) {
            if (current.isObject()) {
                current = current.get(step);
            } else if (current.isArray() && step.matches("\\d{1,9}")) {
                current = current.get(Integer.parseInt(step));
            } else {
                current = null;
            }
            if (current == null) {
                return Optional.empty();
            }
        }
        return Optional.of(current);
    }

    /**
     * {@code format=text}: a leaf is its bare value; an object lists its keys and an array its indexes, one a line,
     * containers marked with a trailing "/". Learn documents the leaf case only; the listing is our choice.
     */
    static String text(JsonNode node) {
        if (node.isValueNode()) {
            return node.asText();
        }
        StringBuilder lines = new StringBuilder();
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                lines.append(field.getKey()).append(field.getValue().isContainerNode() ? "/" : "").append('\n');
            }
        } else {
            for (int index = 0; index < node.size(); index++) {
                lines.append(index).append(node.get(index).isContainerNode() ? "/" : "").append('\n');
            }
        }
        return lines.toString();
    }
}
