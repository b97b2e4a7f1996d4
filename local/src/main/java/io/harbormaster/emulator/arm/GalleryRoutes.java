package io.harbormaster.emulator.arm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.emulator.cloud.CloudException;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.GalleryImageVersion;
import java.util.List;
import java.util.Locale;

/**
 * GalleryImageVersions_ListByGalleryImage, {@code GET /subscriptions/{sub}/resourceGroups/{rg}/providers/
 * Microsoft.Compute/galleries/{gallery}/images/{image}/versions} (SPEC GalleryRP 2024-03-03, the SDK's, and its
 * example GalleryImageVersion_ListByGalleryImage.json): {@code {value: [GalleryImageVersion]}} in one page, each
 * replicated to the emulated region only, Succeeded, with its {@code publishingProfile.excludeFromLatest}. The gallery
 * need not be in a scale set's resource group: galleries usually live in a group of their own.
 */
final class GalleryRoutes {
    static final String API_VERSION = "2024-03-03";

    private final EmulatedCloud cloud;

    GalleryRoutes(EmulatedCloud cloud) {
        this.cloud = cloud;
    }

    /** Whether the segments (the whole path, split) are the versions list of one gallery image definition. */
    static boolean matches(List<String> s) {
        return s.size() == 11 && is(s.get(2), "resourcegroups") && is(s.get(4), "providers")
                && is(s.get(5), "microsoft.compute") && is(s.get(6), "galleries") && is(s.get(8), "images")
                && is(s.get(10), "versions");
    }

    /** Whether the segments are under a resource group's galleries: the GalleryRP api-version applies. */
    static boolean handles(List<String> s) {
        return s.size() > 6 && is(s.get(2), "resourcegroups") && is(s.get(6), "galleries");
    }

    ArmResponse versions(ArmRequest request, List<String> s) {
        if (!request.method().equals("GET")) {
            return ComputeRoutes.notImplemented(request);
        }
        String definition = "/subscriptions/" + s.get(1) + "/resourceGroups/" + s.get(3)
                + "/providers/Microsoft.Compute/galleries/" + s.get(7) + "/images/" + s.get(9);
        // Learn "Resolve errors for parent resources": a child listed under a parent that does not exist.
        List<GalleryImageVersion> versions = cloud.galleryImageVersions(definition).orElseThrow(() ->
                new CloudException(404, "ParentResourceNotFound", "Can not perform requested operation on nested"
                        + " resource. Parent resource '" + s.get(7) + "/" + s.get(9) + "' not found."));
        ObjectNode body = ArmJson.JSON.createObjectNode();
        ArrayNode value = body.putArray("value");
        String location = cloud.galleryRegion(definition);
        for (GalleryImageVersion version : versions) {
            ObjectNode item = value.addObject();
            item.put("id", definition + "/versions/" + version.name());
            item.put("name", version.name());
            item.put("type", "Microsoft.Compute/galleries/images/versions");
            item.put("location", location);
            ObjectNode p = item.putObject("properties");
            ObjectNode publishing = p.putObject("publishingProfile");
            publishing.putArray("targetRegions").addObject().put("name", location).put("regionalReplicaCount", 1)
                    .put("storageAccountType", "Standard_LRS").put("excludeFromLatest", version.excludeFromLatest());
            publishing.put("replicaCount", 1);
            publishing.put("excludeFromLatest", version.excludeFromLatest());
            publishing.put("publishedDate", ArmJson.time(version.publishedDate()));
            publishing.put("storageAccountType", "Standard_LRS");
            p.putObject("storageProfile").putObject("osDiskImage").put("sizeInGB", 30).put("hostCaching", "ReadWrite");
            p.put("provisioningState", "Succeeded");
        }
        return ArmResponse.of(200, body);
    }

    private static boolean is(String segment, String lowerCase) {
        return segment.toLowerCase(Locale.ROOT).equals(lowerCase);
    }
}
