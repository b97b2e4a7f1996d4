package io.harbormaster.emulator.cloud;

import io.harbormaster.emulator.imds.EventsDocument;
import io.harbormaster.emulator.imds.ImdsBackend;
import io.harbormaster.emulator.imds.ScheduledEvent;
import io.harbormaster.emulator.imds.VmMetadata;
import io.harbormaster.emulator.nodes.InstanceMachines;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The in-memory state of one subscription and resource group: Uniform and Flexible scale sets, their instances,
 * standalone manager VMs, resource locks on VMs, long-running operations and scheduled events. The ARM surface and
 * IMDS both read and change it here.
 */
public final class EmulatedCloud implements ImdsBackend, AutoCloseable {
    /** How many machine calls run at once, across all operations. */
    public static final int MACHINE_CALLS_AT_ONCE = 16;
    private final CloudSettings settings;
    private final InstanceMachines machines;
    private final Clock clock;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    // ARM resource names are case-insensitive: keyed by the lower-case name.
    private final Map<String, ScaleSetState> scaleSets = new LinkedHashMap<>();
    private final Map<String, StandaloneVm> standalone = new LinkedHashMap<>();
    private final ScheduledEventBook events;
    private final OperationRunner operations;
    private final InstancePlans plans;
    private final InstanceTargets targets;
    private final Maintenance maintenance;
    private final ExecutorService machinePool;
    private final ResourceLocks locks = new ResourceLocks();
    private final PublishedImages images = new PublishedImages();

    public EmulatedCloud(CloudSettings settings, InstanceMachines machines, OperationFaults faults, Clock clock,
            ExecutorService executor) {
        this.settings = settings;
        this.machines = machines;
        this.clock = clock;
        this.ownsExecutor = executor == null;
        this.executor = executor != null ? executor : Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "emulated-cloud");
            thread.setDaemon(true);
            return thread;
        });
        this.events = new ScheduledEventBook(clock);
        // Machine calls get a bounded pool of their own: a thousand-instance scale-out must not start a thousand
        // threads, and operations waiting for machine calls must not starve them of threads.
        this.machinePool = Executors.newFixedThreadPool(MACHINE_CALLS_AT_ONCE, runnable -> {
            Thread thread = new Thread(runnable, "emulated-machine-call");
            thread.setDaemon(true);
            return thread;
        });
        this.operations = new OperationRunner(this, clock, this.executor, machinePool, faults);
        this.plans = new InstancePlans(this, clock, machines, events);
        this.targets = new InstanceTargets();
        this.maintenance = new Maintenance(machines, events, operations);
    }

    /** With the system clock and an executor of its own for operations. */
    public EmulatedCloud(CloudSettings settings, InstanceMachines machines, OperationFaults faults) {
        this(settings, machines, faults, Clock.systemUTC(), null);
    }

    public CloudSettings settings() {
        return settings;
    }

    // ---- setting up the world ----

    /** Creates a scale set; its initial capacity boots as an operation, which the caller may await. */
    public synchronized CloudOperation addScaleSet(ScaleSetSpec spec) {
        String key = spec.name().toLowerCase(Locale.ROOT);
        if (scaleSets.containsKey(key)) {
            throw new IllegalArgumentException("scale set " + spec.name() + " exists");
        }
        images.ensure(spec.imageReference());
        ScaleSetState scaleSet = new ScaleSetState(spec, clock.instant(), images);
        scaleSets.put(key, scaleSet);
        return operations.start(plans.scaleOut(scaleSet, spec.capacity()));
    }

    public synchronized void addStandaloneVm(StandaloneVm vm) {
        standalone.put(vm.name().toLowerCase(Locale.ROOT), vm);
    }

    // ---- reads ----

    public synchronized Optional<ScaleSetSnapshot> scaleSet(String name) {
        return Optional.ofNullable(scaleSets.get(name.toLowerCase(Locale.ROOT))).map(ScaleSetState::snapshot);
    }

    /** Every instance, deleting ones included (ARM lists them until they are gone), by instance id. */
    public synchronized List<InstanceSnapshot> instances(String scaleSetName) {
        ScaleSetState scaleSet = require(scaleSetName);
        return scaleSet.instances.values().stream().map(instance -> instance.snapshot(scaleSet)).toList();
    }

    /** @throws CloudException 404 NotFound for an id that is not (or no longer) an instance */
    public synchronized InstanceSnapshot instance(String scaleSetName, String instanceId) {
        ScaleSetState scaleSet = require(scaleSetName);
        return targets.existing(scaleSet, instanceId).snapshot(scaleSet);
    }

    /**
     * The VMs of Flexible scale sets, as VirtualMachines_List filtered by {@code virtualMachineScaleSet/id} lists them;
     * {@code scaleSetName} null for every Flexible scale set's. A Uniform scale set's instances are not standard VMs.
     */
    public synchronized List<InstanceSnapshot> flexibleVms(String scaleSetName) {
        List<InstanceSnapshot> vms = new ArrayList<>();
        for (ScaleSetState scaleSet : scaleSets.values()) {
            if (scaleSet.flexible() && (scaleSetName == null || scaleSet.name.equalsIgnoreCase(scaleSetName))) {
                scaleSet.instances.values().forEach(instance -> vms.add(instance.snapshot(scaleSet)));
            }
        }
        return vms;
    }

    /** The resource group scale set {@code name} is in, if it exists: its own, else the cloud's. */
    public synchronized Optional<String> resourceGroupOf(String name) {
        return Optional.ofNullable(scaleSets.get(name.toLowerCase(Locale.ROOT))).map(this::groupOf);
    }

    /** The resource group of a standalone VM (the cloud's) or of a Flexible VM (its scale set's), if it exists. */
    public synchronized Optional<String> vmResourceGroup(String vmName) {
        if (standaloneVm(vmName).isPresent()) {
            return Optional.of(settings.resourceGroup());
        }
        return flexibleScaleSetOf(vmName).flatMap(this::resourceGroupOf);
    }

    /** Every resource group that exists here, lower-cased: the cloud's and those of its scale sets. */
    public synchronized Set<String> resourceGroups() {
        Set<String> groups = new TreeSet<>();
        groups.add(settings.resourceGroup().toLowerCase(Locale.ROOT));
        scaleSets.values().forEach(scaleSet -> groups.add(groupOf(scaleSet).toLowerCase(Locale.ROOT)));
        return groups;
    }

    private String groupOf(ScaleSetState scaleSet) {
        return scaleSet.resourceGroup == null ? settings.resourceGroup() : scaleSet.resourceGroup;
    }

    /** The Flexible scale set a standard VM of that name belongs to. */
    public synchronized Optional<String> flexibleScaleSetOf(String vmName) {
        return instanceNamed(vmName).filter(instance -> instance.flexible)
                .map(instance -> vmName.substring(0, vmName.lastIndexOf('_')))
                .map(prefix -> scaleSets.get(prefix.toLowerCase(Locale.ROOT)).name);
    }

    // ---- resource locks (Microsoft.Authorization/locks on a VM) ----

    /** PUT of a lock on a VM (a Flexible scale set's or a standalone one); true when it was new. */
    public synchronized boolean putLock(String vmName, String lockName, String level, String notes) {
        requireVm(vmName);
        return locks.put(vmName, lockName, level, notes);
    }

    public synchronized Optional<ResourceLocks.Lock> lock(String vmName, String lockName) {
        requireVm(vmName);
        return locks.get(vmName, lockName);
    }

    /** DELETE of a lock; true when there was one (200), false when not (204). */
    public synchronized boolean deleteLock(String vmName, String lockName) {
        requireVm(vmName);
        return locks.delete(vmName, lockName);
    }

    /** Every lock in the resource group, with the VM it is on. */
    public synchronized List<ResourceLocks.Lock> locks() {
        return locks.all();
    }

    private void requireVm(String vmName) {
        if (standaloneVm(vmName).isEmpty() && instanceNamed(vmName).filter(instance -> instance.flexible).isEmpty()) {
            throw new CloudException(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + vmName
                    + "' under resource group '" + settings.resourceGroup() + "' was not found.");
        }
    }

    public synchronized List<StandaloneVm> standaloneVms() {
        return List.copyOf(standalone.values());
    }

    public synchronized Optional<StandaloneVm> standaloneVm(String name) {
        return Optional.ofNullable(standalone.get(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * VirtualMachineImages_List: the versions of a marketplace image in the order they were published, or empty for an
     * image this region does not have (ARM's 404). The location is not compared: the emulator is one region.
     */
    public synchronized Optional<List<String>> imageVersions(String publisher, String offer, String sku) {
        return images.versions(publisher, offer, sku);
    }

    /**
     * A knob: the publisher publishes {@code version} of the scale set's model image. The model does not change, so
     * {@code latestModelApplied} stays true; a reimage or a new instance under a model that says latest takes it.
     */
    public synchronized void publishImageVersion(String scaleSetName, String version) {
        publishImageVersion(scaleSetName, version, false);
    }

    /**
     * As {@link #publishImageVersion(String, String)}; for a gallery image, {@code excludeFromLatest} publishes (or
     * marks an existing version) so that {@code latest} skips it. A marketplace image has no such flag.
     */
    public synchronized void publishImageVersion(String scaleSetName, String version, boolean excludeFromLatest) {
        ImageReference image = require(scaleSetName).image;
        if (image.fromGallery()) {
            images.publishToGallery(image, version, excludeFromLatest, clock.instant());
        } else if (excludeFromLatest) {
            throw new IllegalArgumentException("excludeFromLatest is a gallery image version's; scale set " + scaleSetName
                    + " uses a marketplace image");
        } else {
            images.publish(image, version);
        }
    }

    /**
     * GalleryImageVersions_ListByGalleryImage: the versions of the gallery image definition {@code definitionId} in
     * the order they were published, or empty for a definition no scale set has named (ARM's 404).
     */
    public synchronized Optional<List<GalleryImageVersion>> galleryImageVersions(String definitionId) {
        return images.galleryVersions(definitionId);
    }

    /**
     * The region a gallery image's versions are replicated to here: that of a scale set naming the definition (the
     * emulator is one region; its scale sets give its name).
     */
    public synchronized String galleryRegion(String definitionId) {
        String definition = PublishedImages.definition(definitionId);
        return scaleSets.values().stream()
                .filter(scaleSet -> scaleSet.image.fromGallery()
                        && PublishedImages.definition(scaleSet.image.id()).equals(definition))
                .map(scaleSet -> scaleSet.location).findFirst()
                .orElse(scaleSets.values().stream().map(scaleSet -> scaleSet.location).findFirst().orElse("westeurope"));
    }

    /**
     * Disks_ListByResourceGroup: the OS disks of the Flexible scale sets' VMs in resource group {@code group} (each a
     * standard VM's managed disk). A Uniform scale set's instance disks are not listed: no Learn page or spec says
     * they are, and public reports say ARM neither lists nor gets them (cloudquery/cloudquery#9348).
     */
    public synchronized List<InstanceSnapshot> osDisks(String group) {
        return flexibleVms(null).stream()
                .filter(vm -> resourceGroupOf(vm.scaleSetName()).orElse("").equalsIgnoreCase(group))
                .toList();
    }

    public Optional<OperationStatus> operation(String id) {
        return operations.status(id);
    }

    /** Every scheduled event now in the book, for tests and the admin route. */
    public List<ScheduledEvent> scheduledEvents() {
        return events.all();
    }

    /** Every scheduled event posted so far, ended ones too, with who approved it and when. */
    public List<EventRecord> eventHistory() {
        return events.history();
    }

    // ---- writes (long-running operations) ----

    /**
     * PATCH of the scale set. {@code ifMatch} null or "*" matches anything; else it must equal the current etag
     * (412 PreconditionFailed). Raising the capacity boots new instances; lowering it deletes the newest instances
     * not protected from scale-in.
     */
    public synchronized CloudOperation update(String scaleSetName, ScaleSetChange change, String ifMatch) {
        ScaleSetState scaleSet = require(scaleSetName);
        if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(scaleSet.etagValue())) {
            // The message as a real ARM answer worded it (kubernetes-sigs/cloud-provider-azure#9728).
            throw new CloudException(412, "PreconditionFailed", "Etag provided in if-match header " + ifMatch
                    + " does not match etag " + scaleSet.etagValue() + " of resource.");
        }
        if (change.capacity() != null && change.capacity() < 0) {
            throw new CloudException(400, "InvalidParameter", "The value of parameter sku.capacity is invalid.", "sku.capacity");
        }
        if (change.skuName() != null) {
            scaleSet.skuName = change.skuName();
        }
        if (change.customData() != null) {
            scaleSet.customData = change.customData();
        }
        if (change.imageReference() != null) {
            try {
                images.ensure(change.imageReference());
            } catch (IllegalArgumentException e) {
                // The emulator's wording: it models gallery images by id, no managed images.
                throw new CloudException(400, "InvalidParameter", e.getMessage(), "imageReference.id");
            }
            scaleSet.image = change.imageReference();
        }
        if (change.changesModel()) {
            scaleSet.modelVersion++;
        }
        scaleSet.etag++;
        scaleSet.provisioningState = "Updating";
        long capacity = change.capacity() == null ? scaleSet.capacity : change.capacity();
        if (capacity > scaleSet.capacity) {
            return operations.start(plans.scaleOut(scaleSet, capacity));
        }
        if (capacity < scaleSet.capacity) {
            return operations.start(plans.delete(scaleSet, targets.scaleInVictims(scaleSet, capacity), capacity));
        }
        return operations.start(plans.modelOnly(scaleSet));
    }

    /** POST .../delete: exactly these instances, protected or not (protection guards scale-in, not explicit deletes). */
    public synchronized CloudOperation deleteInstances(String scaleSetName, List<String> instanceIds) {
        ScaleSetState scaleSet = require(scaleSetName);
        if (instanceIds == null || instanceIds.isEmpty()) {
            throw new CloudException(400, "InvalidParameter", "The value of parameter instanceIds is invalid.", "instanceIds");
        }
        List<Instance> victims = targets.active(scaleSet, instanceIds, false);
        locks.requireDeletable(victims.stream().map(instance -> instance.name).toList(), settings.subscriptionId(),
                groupOf(require(scaleSetName)));
        scaleSet.provisioningState = "Updating";
        return operations.start(plans.delete(scaleSet, victims, null));
    }

    /** {@code instanceIds} null or empty: every instance not protected from scale-set actions, as the spec says. */
    public synchronized CloudOperation deallocate(String scaleSetName, List<String> instanceIds) {
        ScaleSetState scaleSet = require(scaleSetName);
        return operations.start(plans.deallocate(targets.active(scaleSet, instanceIds, true)));
    }

    public synchronized CloudOperation start(String scaleSetName, List<String> instanceIds) {
        ScaleSetState scaleSet = require(scaleSetName);
        return operations.start(plans.start(targets.active(scaleSet, instanceIds, true)));
    }

    /** 409 OperationNotAllowed on a deallocated or deallocating instance, as the spec's PowerOff description says. */
    public synchronized CloudOperation powerOff(String scaleSetName, List<String> instanceIds, boolean skipShutdown) {
        ScaleSetState scaleSet = require(scaleSetName);
        List<Instance> chosen = targets.active(scaleSet, instanceIds, true);
        for (Instance instance : chosen) {
            if (instance.powerState.startsWith("deallocat")) {
                throw new CloudException(409, "OperationNotAllowed", "Operation 'powerOff' is not allowed on VM '"
                        + instance.name + "' since the VM is either deallocated or marked to be deallocated. Please "
                        + "refer to https://aka.ms/vmpowerstates  to learn about different VM power states.");
            }
        }
        return operations.start(plans.powerOff(chosen, skipShutdown));
    }

    public synchronized CloudOperation restart(String scaleSetName, List<String> instanceIds) {
        ScaleSetState scaleSet = require(scaleSetName);
        return operations.start(plans.restart(targets.active(scaleSet, instanceIds, true)));
    }

    public synchronized CloudOperation reimage(String scaleSetName, List<String> instanceIds) {
        ScaleSetState scaleSet = require(scaleSetName);
        // Learn "Orchestration modes API comparison": Flexible reimages single VMs with ephemeral OS disks only, and
        // the emulated disks are not ephemeral.
        requireUniform(scaleSet, "reimage");
        return operations.start(plans.reimage(scaleSet, targets.active(scaleSet, instanceIds, true)));
    }

    /** POST .../manualupgrade: instanceIds are required. */
    public synchronized CloudOperation manualUpgrade(String scaleSetName, List<String> instanceIds) {
        ScaleSetState scaleSet = require(scaleSetName);
        requireUniform(scaleSet, "manualUpgrade");
        if (instanceIds == null || instanceIds.isEmpty()) {
            throw new CloudException(400, "InvalidParameter", "The value of parameter instanceIds is invalid.", "instanceIds");
        }
        return operations.start(plans.upgrade(scaleSet, targets.active(scaleSet, instanceIds, false)));
    }

    /** PUT of one instance, for its protectionPolicy. */
    public synchronized CloudOperation updateProtection(String scaleSetName, String instanceId, ProtectionPolicy policy) {
        ScaleSetState scaleSet = require(scaleSetName);
        // Learn "Orchestration modes API comparison": a Flexible VM's protection is a resource lock instead.
        requireUniform(scaleSet, "VirtualMachineScaleSetVMs.Update");
        Instance instance = targets.changeable(scaleSet, instanceId, "Update VM");
        return operations.start(plans.protect(instance, policy));
    }

    /**
     * simulateEviction of a Spot instance: a Preempt event with the configured notice, then the instance is
     * deallocated or deleted per the eviction policy. Answers at once; the eviction runs on the executor.
     */
    public synchronized void simulateEviction(String scaleSetName, String instanceId) {
        ScaleSetState scaleSet = require(scaleSetName);
        Instance instance = targets.changeable(scaleSet, instanceId, "simulateEviction");
        if (!scaleSet.priority.equals("Spot")) {
            // Learn does not say what happens on a Regular VM; this refusal is the emulator's own choice.
            throw new CloudException(409, "OperationNotAllowed", "Operation 'simulateEviction' is not allowed on VM '"
                    + instance.name + "' since it is not an Azure Spot virtual machine.");
        }
        instance.busyWith = "eviction";
        ScheduledEventBook.Pending preempt = events.schedule("Preempt", List.of(instance.name),
                settings.evictionNotice(), "", "Platform");
        new Eviction(this, machines, events, scaleSet, instance, preempt).runOn(operations);
    }

    /**
     * A knob: a Reboot, Redeploy or Freeze event for one VM (scale-set instance or standalone). After approval or
     * NotBefore, a Reboot or Redeploy restarts an instance's machine; a Freeze changes nothing we emulate.
     */
    public CompletableFuture<Void> scheduleMaintenance(String vmName, String eventType, Duration notice) {
        if (!Maintenance.TYPES.contains(eventType)) {
            throw new IllegalArgumentException("eventType must be Reboot, Redeploy or Freeze: " + eventType);
        }
        synchronized (this) {
            if (instanceNamed(vmName).isEmpty() && standaloneVm(vmName).isEmpty()) {
                throw new IllegalArgumentException("no VM named " + vmName);
            }
        }
        return maintenance.schedule(vmName, eventType, notice, () -> {
            synchronized (this) {
                return instanceNamed(vmName).map(InstancePlans::spec).orElse(null);
            }
        });
    }

    /**
     * A knob: Azure cancels the not yet started scheduled events listing this VM (Learn "Scheduled Events for Linux
     * VMs": a cancelled event disappears from the document). A cancelled Terminate's delete ends Canceled and its
     * instances stay; a cancelled Reboot, Redeploy or Preempt changes nothing. Returns the cancelled events' ids.
     */
    public List<String> cancelEvents(String vmName) {
        return events.cancel(vmName);
    }

    // ---- ImdsBackend ----

    @Override
    public Optional<VmMetadata> vmAt(InetAddress caller) {
        List<String> names = new ArrayList<>();
        synchronized (this) {
            for (StandaloneVm vm : standalone.values()) {
                if (caller.equals(vm.address())) {
                    return Optional.of(new ImdsView(settings).of(vm));
                }
            }
            scaleSets.values().forEach(scaleSet -> scaleSet.instances.values().forEach(i -> names.add(i.name)));
        }
        // Off the lock: the machines may take a moment to answer.
        for (String name : names) {
            if (machines.address(name).filter(caller::equals).isPresent()) {
                synchronized (this) {
                    Optional<VmMetadata> found = instanceNamed(name).map(i -> {
                        ScaleSetState scaleSet = scaleSets.get(name.substring(0, name.lastIndexOf('_')).toLowerCase(Locale.ROOT));
                        return new ImdsView(settings).of(scaleSet, groupOf(scaleSet), i);
                    });
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public EventsDocument scheduledEvents(VmMetadata vm) {
        return events.document(vm.name());
    }

    @Override
    public boolean approve(VmMetadata vm, String eventId) {
        return events.approve(vm.name(), eventId);
    }

    @Override
    public void close() {
        if (ownsExecutor) {
            executor.shutdownNow();
        }
        machinePool.shutdownNow();
    }

    // ---- internals ----

    private ScaleSetState require(String name) {
        ScaleSetState scaleSet = scaleSets.get(name.toLowerCase(Locale.ROOT));
        if (scaleSet == null) {
            // Azure/azure-powershell#12007: the wording of ARM's 404 for a scale set that does not exist.
            throw new CloudException(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachineScaleSets/"
                    + name + "' under resource group '" + settings.resourceGroup() + "' was not found.");
        }
        return scaleSet;
    }

    /**
     * 409 OperationNotAllowed for a Uniform-only operation on a Flexible scale set. The code and the first words are
     * ARM's as hashicorp/nomad-autoscaler#1096 quotes them ("Operation 'VirtualMachineScaleSets.instanceView.GET' is
     * not allowed on Virtual Machine Scale Set"); the status and the rest of the message are ours.
     */
    private static void requireUniform(ScaleSetState scaleSet, String operation) {
        if (scaleSet.flexible()) {
            throw new CloudException(409, "OperationNotAllowed", "Operation '" + operation + "' is not allowed on Virtual "
                    + "Machine Scale Set '" + scaleSet.name + "' since it uses Flexible orchestration.");
        }
    }

    /** For the ARM routes: the Uniform-only routes (the scale-set VM API) refuse a Flexible scale set. */
    public synchronized void requireUniform(String scaleSetName, String operation) {
        requireUniform(require(scaleSetName), operation);
    }

    private Optional<Instance> instanceNamed(String vmName) {
        int underscore = vmName.lastIndexOf('_');
        if (underscore < 0) {
            return Optional.empty();
        }
        ScaleSetState scaleSet = scaleSets.get(vmName.substring(0, underscore).toLowerCase(Locale.ROOT));
        if (scaleSet == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(scaleSet.find(scaleSet.flexible() ? vmName : vmName.substring(underscore + 1)));
    }
}
