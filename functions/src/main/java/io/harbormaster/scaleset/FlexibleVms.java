package io.harbormaster.scaleset;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.VirtualMachinesClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.ExpandTypeForListVMs;
import com.azure.resourcemanager.resources.fluent.ManagementLocksClient;
import com.azure.resourcemanager.resources.fluent.models.ManagementLockObjectInner;
import com.azure.resourcemanager.resources.models.LockLevel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Flexible scale set's VMs through the single-VM APIs, as Learn "Orchestration modes API comparison" lists them in
 * place of the scale-set VM API: the VMs are listed by the scale-set filter with their instance views, powered one
 * VM at a time, and protected by a resource lock. Their instance ids are their VM names.
 */
final class FlexibleVms {
    /** The lock {@link #protect} places; a lock by any other name is an operator's, which this class never removes. */
    static final String PROTECTION_LOCK = "harbormaster-protect";
    // A VM name (Learn, naming rules for Microsoft.Compute/virtualMachines: 1 to 64 characters, here without '.').
    private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][-\\w]{0,63}");
    private static final Pattern LOCKED_VM = Pattern.compile(
            "/providers/Microsoft\\.Compute/virtualMachines/([^/]+)/providers/Microsoft\\.Authorization/locks/",
            Pattern.CASE_INSENSITIVE);

    private final VirtualMachinesClient vms;
    private final ManagementLocksClient locks;
    private final String resourceGroup;

    FlexibleVms(VirtualMachinesClient vms, ManagementLocksClient locks, String resourceGroup) {
        this.vms = vms;
        this.locks = locks;
        this.resourceGroup = resourceGroup;
    }

    /**
     * Two calls and their pages: the resource group's VMs filtered by the scale set, with instance views (power state,
     * zone, image), and the resource group's locks; a VM under any lock counts as protected from scale-in. A VM is
     * behind the model ({@code latestModelApplied} false) when its size or image differs from {@code model}'s.
     */
    List<ScaleSetInstance> instances(String scaleSetId, FlexibleModelMatch.Look model) {
        List<VirtualMachineInner> listed = list(scaleSetId, true);
        Set<String> locked = lockedVms();
        List<ScaleSetInstance> instances = new ArrayList<>();
        for (VirtualMachineInner vm : listed) {
            instances.add(instance(vm, locked.contains(vm.name().toLowerCase(Locale.ROOT)), model));
        }
        return instances;
    }

    /** Of these VM names, the ones the scale set still lists and is not deleting. */
    Set<String> existing(String scaleSetId, Set<String> names) {
        Set<String> existing = new TreeSet<>();
        for (VirtualMachineInner vm : list(scaleSetId, false)) {
            if (names.contains(vm.name()) && !"Deleting".equalsIgnoreCase(vm.provisioningState())) {
                existing.add(vm.name());
            }
        }
        return existing;
    }

    /** Starts deallocating each VM (VirtualMachines_Deallocate, one call per VM), without waiting. */
    void beginDeallocate(Collection<String> names) {
        names.forEach(name -> vms.beginDeallocate(resourceGroup, name, null, Context.NONE));
    }

    /** Starts each VM (VirtualMachines_Start, one call per VM), without waiting. */
    void beginStart(Collection<String> names) {
        names.forEach(name -> vms.beginStart(resourceGroup, name, Context.NONE));
    }

    /** Places or removes Harbormaster's CanNotDelete lock on the VM; removing one that is not there changes nothing. */
    void protect(String scaleSetId, String name, boolean protect) {
        String scope = vmScope(scaleSetId, name);
        if (protect) {
            locks.createOrUpdateByScope(scope, PROTECTION_LOCK, new ManagementLockObjectInner()
                    .withLevel(LockLevel.CAN_NOT_DELETE).withNotes("Harbormaster: protected from scale-in"));
        } else {
            locks.deleteByScope(scope, PROTECTION_LOCK);
        }
    }

    /**
     * The VM's resource id as the locks' {@code {scope}} (ManagementLocks_CreateOrUpdateByScope), without its leading
     * slash, which the path template puts there; the resource-level operation would send an empty parent path ("//").
     */
    static String vmScope(String scaleSetId, String name) {
        int at = scaleSetId.toLowerCase(Locale.ROOT).indexOf("/providers/microsoft.compute/virtualmachinescalesets/");
        if (!scaleSetId.startsWith("/") || at < 0) {
            throw new IllegalStateException("not a scale set's resource id: " + scaleSetId);
        }
        return scaleSetId.substring(1, at) + "/providers/Microsoft.Compute/virtualMachines/" + name;
    }

    private List<VirtualMachineInner> list(String scaleSetId, boolean withInstanceView) {
        // SPEC VirtualMachines_List: the one filter it allows; instanceView may be expanded only with it.
        String filter = "'virtualMachineScaleSet/id' eq '" + scaleSetId + "'";
        List<VirtualMachineInner> listed = new ArrayList<>();
        vms.listByResourceGroup(resourceGroup, filter, withInstanceView ? ExpandTypeForListVMs.INSTANCE_VIEW : null,
                Context.NONE).forEach(listed::add);
        return listed;
    }

    private Set<String> lockedVms() {
        Set<String> locked = new HashSet<>();
        for (ManagementLockObjectInner lock : locks.listByResourceGroup(resourceGroup, null, Context.NONE)) {
            Matcher matcher = lock.id() == null ? null : LOCKED_VM.matcher(lock.id());
            if (matcher != null && matcher.find()) {
                locked.add(matcher.group(1).toLowerCase(Locale.ROOT));
            }
        }
        return locked;
    }

    private static ScaleSetInstance instance(VirtualMachineInner vm, boolean locked, FlexibleModelMatch.Look model) {
        var view = vm.instanceView();
        String computerName = vm.osProfile() != null ? vm.osProfile().computerName() : null;
        if (computerName == null && view != null) {
            computerName = view.computerName();
        }
        var image = vm.storageProfile() == null ? null : vm.storageProfile().imageReference();
        return new ScaleSetInstance(
                vm.name(),
                computerName,
                InstanceViews.powerState(view == null ? null : view.statuses()),
                vm.provisioningState(),
                vm.timeCreated() == null ? null : vm.timeCreated().toInstant(),
                locked,
                vm.vmId(),
                // A standard VM has no latestModelApplied: its size and image are compared with the model's instead.
                FlexibleModelMatch.onModel(look(vm), model),
                image == null ? null : image.exactVersion() != null ? image.exactVersion() : image.version(),
                vm.zones() == null || vm.zones().isEmpty() ? null : vm.zones().get(0));
    }

    /** What {@link FlexibleModelMatch} compares of a VM: its size and image reference. */
    static FlexibleModelMatch.Look look(VirtualMachineInner vm) {
        String size = vm.hardwareProfile() == null || vm.hardwareProfile().vmSize() == null ? null
                : vm.hardwareProfile().vmSize().toString();
        var image = vm.storageProfile() == null ? null : vm.storageProfile().imageReference();
        return new FlexibleModelMatch.Look(size, image(image), image == null ? null : image.exactVersion());
    }

    /** The image reference as compared; a gallery image's id is its {@code id} or its shared or community id. */
    static FlexibleModelMatch.Image image(com.azure.resourcemanager.compute.models.ImageReference image) {
        if (image == null) {
            return null;
        }
        String id = image.id() != null ? image.id()
                : image.sharedGalleryImageId() != null ? image.sharedGalleryImageId() : image.communityGalleryImageId();
        return new FlexibleModelMatch.Image(image.publisher(), image.offer(), image.sku(), image.version(), id);
    }

    /** @throws IllegalArgumentException for a text that is no VM name, before anything is sent */
    static Set<String> names(Collection<String> instanceIds) {
        Set<String> names = new TreeSet<>();
        for (String id : instanceIds) {
            if (id == null || !VM_NAME.matcher(id).matches()) {
                throw new IllegalArgumentException("not a VM name of a Flexible scale set: " + id);
            }
            names.add(id);
        }
        return names;
    }
}
