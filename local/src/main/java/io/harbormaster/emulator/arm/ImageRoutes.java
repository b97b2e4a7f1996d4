package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.harbormaster.emulator.cloud.CloudException;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * VirtualMachineImages_List, {@code GET /subscriptions/{sub}/providers/Microsoft.Compute/locations/{location}/publishers/
 * {publisher}/artifacttypes/vmimage/offers/{offer}/skus/{skus}/versions} (SPEC virtualMachineImage.json): a bare
 * array of {@code {name, location, id}}, one per published version; {@code $orderby=name [asc|desc]} sorts the names
 * as text and {@code $top} keeps the first N, as the spec's parameters name them.
 */
final class ImageRoutes {
    private final EmulatedCloud cloud;

    ImageRoutes(EmulatedCloud cloud) {
        this.cloud = cloud;
    }

    /** Whether the segments (the whole path, split) are the versions list of one image. */
    static boolean matches(ArmRequest request, List<String> s) {
        return request.method().equals("GET") && s.size() == 15 && is(s.get(2), "providers")
                && is(s.get(3), "microsoft.compute") && is(s.get(4), "locations") && is(s.get(6), "publishers")
                && is(s.get(8), "artifacttypes") && is(s.get(9), "vmimage") && is(s.get(10), "offers")
                && is(s.get(12), "skus") && is(s.get(14), "versions");
    }

    ArmResponse versions(ArmRequest request, List<String> s) {
        String location = s.get(5);
        String publisher = s.get(7);
        String offer = s.get(11);
        String sku = s.get(13);
        // The 404 as ARM words it for an unknown image (Get-AzVMImageSku and azure-cli reports).
        List<String> names = new ArrayList<>(cloud.imageVersions(publisher, offer, sku).orElseThrow(() ->
                new CloudException(404, "NotFound", "Artifact: VMImage was not found.")));
        String orderBy = request.query().get("$orderby");
        if (orderBy != null) {
            String[] parts = orderBy.trim().split("\\s+");
            if (!parts[0].equalsIgnoreCase("name") || parts.length > 2
                    || (parts.length == 2 && !parts[1].matches("(?i)asc|desc"))) {
                // The spec does not list what $orderby accepts beyond the name; this refusal is ours.
                throw new CloudException(400, "InvalidParameter", "The value of parameter $orderby is invalid.", "$orderby");
            }
            names.sort(parts.length == 2 && parts[1].equalsIgnoreCase("desc") ? Comparator.reverseOrder()
                    : Comparator.naturalOrder());
        }
        String top = request.query().get("$top");
        if (top != null) {
            try {
                names = names.subList(0, Math.min(names.size(), Math.max(0, Integer.parseInt(top))));
            } catch (NumberFormatException e) {
                throw new CloudException(400, "InvalidParameter", "The value of parameter $top is invalid.", "$top");
            }
        }
        ArrayNode body = ArmJson.JSON.createArrayNode();
        for (String name : names) {
            // ARM capitalises these ids its own way (public fixtures of the list's answer).
            body.addObject().put("location", location).put("name", name)
                    .put("id", "/Subscriptions/" + cloud.settings().subscriptionId() + "/Providers/Microsoft.Compute/Locations/"
                            + location + "/Publishers/" + publisher + "/ArtifactTypes/VMImage/Offers/" + offer + "/Skus/"
                            + sku + "/Versions/" + name);
        }
        return ArmResponse.of(200, body);
    }

    private static boolean is(String segment, String lowerCase) {
        return segment.toLowerCase(Locale.ROOT).equals(lowerCase);
    }
}
