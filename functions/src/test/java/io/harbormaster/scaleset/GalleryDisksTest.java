package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A resource group's OS disks read as the gallery image version each VM of one scale set runs. */
class GalleryDisksTest {
    private static final String RG = "/subscriptions/sub/resourceGroups/pool-rg/providers/Microsoft.Compute/";
    private static final String DEFINITION =
            "/subscriptions/sub/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/g/images/agent";
    private static final GalleryImage MODEL = GalleryImage.parse(DEFINITION).orElseThrow();

    @Test
    void eachVmOfTheScaleSetRunsTheVersionItsDiskWasMadeFrom() {
        List<GalleryDisks.Disk> disks = List.of(
                new GalleryDisks.Disk(RG + "virtualMachines/agents_ab12cd34", DEFINITION + "/versions/1.0.0"),
                new GalleryDisks.Disk(RG + "virtualMachineScaleSets/AGENTS/virtualMachines/3",
                        DEFINITION + "/Versions/2.0.0"),
                new GalleryDisks.Disk(RG + "virtualMachineScaleSets/other/virtualMachines/4", DEFINITION + "/versions/1.0.0"),
                new GalleryDisks.Disk(RG + "virtualMachines/builder", DEFINITION.replace("agent", "builder")
                        + "/versions/9.0.0"),
                new GalleryDisks.Disk(null, DEFINITION + "/versions/1.0.0"),
                new GalleryDisks.Disk(RG + "virtualMachines/marketplace", null));
        assertEquals(Map.of("agents_ab12cd34", "1.0.0", "3", "2.0.0"), GalleryDisks.versions(disks, MODEL, "agents"),
                "another scale set's VM, another image, a detached disk and a marketplace one say nothing");
    }
}
