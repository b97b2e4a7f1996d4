package io.harbormaster.testsupport;

import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.scaleset.ScaleSetConflictException;
import io.harbormaster.scaleset.ScaleSetException;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.scaleset.ScaleSetModel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** An in-memory Uniform {@link ScaleSet} with ETags, that records every call and can be told to fail the next one. */
public final class InMemoryScaleSet implements ScaleSet {
    private static final Pattern UNIFORM_INSTANCE_ID = Pattern.compile("\\d{1,10}");

    /** One call through the port, failed or not: its method name and arguments. */
    public record Call(String method, List<Object> arguments) {
        public Call {
            // Not List.copyOf: a call with a null argument is recorded as made.
            arguments = Collections.unmodifiableList(new ArrayList<>(arguments));
        }
    }

    private final Clock clock;
    private final String name;
    // By numeric instance id, as ARM lists them.
    private final Map<Long, ScaleSetInstance> instances = new TreeMap<>();
    private final List<Call> calls = new ArrayList<>();
    private long capacity;
    private long etagVersion = 1;
    private long nextInstanceId;
    private ScaleSetException nextFailure;
    private String nextFailureMethod;
    private final Map<String, Runnable> duringNextCall = new TreeMap<>();
    // While held, begun operations are accepted and stay under way until completeOperations().
    private boolean holdOperations;
    private String provisioningState = "Succeeded";
    private Long heldCapacity;
    private final Set<Long> heldDeletes = new TreeSet<>();
    private boolean upgradesSucceed = true;
    private String reimageVersion;
    private final Map<Long, ScaleSetInstance.PowerState> heldPower = new TreeMap<>();
    private boolean flexible;

    public InMemoryScaleSet(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
    }

    // --- arranging ---------------------------------------------------------------------------------------------

    /**
     * Flexible orchestration from now on: describe says so, manualUpgrade and reimage are refused with a final error
     * as the adapter refuses them, and a new VM is built from the current model (on it, running the image reimages
     * would install).
     */
    public synchronized void flexible() {
        flexible = true;
    }

    /** Adds a running instance with this computer name; the capacity grows with it, and so the ETag changes. */
    public synchronized ScaleSetInstance addInstance(String computerName) {
        ScaleSetInstance instance = newInstance(computerName);
        capacity++;
        etagVersion++;
        return instance;
    }

    public synchronized void setPowerState(String instanceId, ScaleSetInstance.PowerState powerState) {
        ScaleSetInstance old = requireInstance(instanceId);
        instances.put(Long.parseLong(instanceId), new ScaleSetInstance(old.instanceId(), old.computerName(), powerState,
                old.provisioningState(), old.createdAt(), old.protectedFromScaleIn(), old.vmId()));
    }

    /** Someone else (a person, Azure autoscale) changes the capacity: a write based on an earlier read conflicts. */
    public synchronized void changeCapacityElsewhere(long newCapacity) {
        resize(newCapacity);
    }

    /** The next call through the port, whichever it is, throws {@code failure} (and is recorded as made). */
    public synchronized void failNextCall(ScaleSetException failure) {
        nextFailure = failure;
        nextFailureMethod = null;
    }

    /** The next call of {@code method} (a port method's name, as in {@link #count}) throws {@code failure}. */
    public synchronized void failNextCallTo(String method, ScaleSetException failure) {
        nextFailure = failure;
        nextFailureMethod = method;
    }

    /**
     * The next call of {@code method} first runs {@code action}, on the caller's thread, as if another party
     * acted while the call was on its way: another check, an operator, the clock moving on.
     */
    public synchronized void duringNextCallTo(String method, Runnable action) {
        duringNextCall.put(method, action);
    }

    /**
     * Begun operations are accepted and stay under way, as ARM's do, until {@link #completeOperations()}: the scale
     * set reads Updating and its capacity is the new one while its instances are not yet created; deleted instances
     * read Deleting.
     */
    public synchronized void holdOperations() {
        holdOperations = true;
    }

    /** Ends every held operation successfully. */
    public synchronized void completeOperations() {
        holdOperations = false;
        if (heldCapacity != null) {
            long target = heldCapacity;
            heldCapacity = null;
            resize(target);
        }
        for (Long id : heldDeletes) {
            if (instances.remove(id) != null) {
                capacity--;
            }
        }
        heldDeletes.clear();
        heldPower.forEach((id, state) -> {
            ScaleSetInstance old = instances.get(id);
            if (old != null) {
                instances.put(id, new ScaleSetInstance(old.instanceId(), old.computerName(), state, old.provisioningState(),
                        old.createdAt(), old.protectedFromScaleIn(), old.vmId()));
            }
        });
        heldPower.clear();
        provisioningState = "Succeeded";
        etagVersion++;
    }

    /**
     * Ends every held operation in failure, as ARM may after accepting one (quota, capacity): the capacity falls back
     * to the instances there are, the scale set reads Failed, and instances being deleted stay.
     */
    public synchronized void failOperations() {
        holdOperations = false;
        heldCapacity = null;
        capacity = instances.size();
        for (Long id : heldDeletes) {
            ScaleSetInstance old = instances.get(id);
            if (old != null) {
                instances.put(id, new ScaleSetInstance(old.instanceId(), old.computerName(), old.powerState(),
                        "Failed", old.createdAt(), old.protectedFromScaleIn()));
            }
        }
        heldDeletes.clear();
        provisioningState = "Failed";
        etagVersion++;
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    public synchronized long count(String method) {
        return calls.stream().filter(call -> call.method().equals(method)).count();
    }

    public synchronized long capacity() {
        return capacity;
    }

    // --- the port ----------------------------------------------------------------------------------------------

    @Override
    public synchronized ScaleSetModel describe() {
        record("describe");
        return new ScaleSetModel("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/"
                + name, name, capacity, "Standard_D2s_v5", flexible ? ScaleSetModel.OrchestrationMode.FLEXIBLE
                : ScaleSetModel.OrchestrationMode.UNIFORM, provisioningState, etag());
    }

    @Override
    public synchronized List<ScaleSetInstance> instances() {
        record("instances");
        return List.copyOf(instances.values());
    }

    @Override
    public synchronized void setCapacity(long newCapacity, String expectedEtag) {
        record("setCapacity", newCapacity, String.valueOf(expectedEtag));
        checkCapacityWrite(newCapacity, expectedEtag);
        resize(newCapacity);
    }

    @Override
    public synchronized void beginSetCapacity(long newCapacity, String expectedEtag) {
        record("beginSetCapacity", newCapacity, String.valueOf(expectedEtag));
        checkCapacityWrite(newCapacity, expectedEtag);
        if (!holdOperations) {
            resize(newCapacity);
            return;
        }
        heldCapacity = newCapacity;
        capacity = newCapacity;
        provisioningState = "Updating";
        etagVersion++;
    }

    @Override
    public synchronized void beginDeleteInstances(Collection<String> instanceIds) {
        if (!holdOperations) {
            deleteNow("beginDeleteInstances", instanceIds);
            return;
        }
        record("beginDeleteInstances", Collections.unmodifiableList(new ArrayList<>(instanceIds)));
        for (Long id : parseAll(instanceIds)) {
            ScaleSetInstance old = instances.get(id);
            if (old != null) {
                heldDeletes.add(id);
                instances.put(id, new ScaleSetInstance(old.instanceId(), old.computerName(), old.powerState(),
                        "Deleting", old.createdAt(), old.protectedFromScaleIn()));
            }
        }
    }

    private boolean deletesHeld;

    /** Deletes return at once but the instances stay listed, as Azure answers a delete it holds for a Terminate. */
    public synchronized void holdDeletes() {
        deletesHeld = true;
    }

    @Override
    public synchronized void deleteInstances(Collection<String> instanceIds) {
        if (deletesHeld) {
            record("deleteInstances", Collections.unmodifiableList(new ArrayList<>(instanceIds)));
            return;
        }
        deleteNow("deleteInstances", instanceIds);
    }

    private Set<Long> parseAll(Collection<String> instanceIds) {
        Set<Long> ids = new TreeSet<>();
        for (String id : instanceIds) {
            if (id == null || !UNIFORM_INSTANCE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("not an instance id of a Uniform scale set (a whole number): " + id);
            }
            ids.add(Long.parseLong(id));
        }
        return ids;
    }

    private void checkCapacityWrite(long newCapacity, String expectedEtag) {
        // The adapter's own checks, made before anything is sent.
        if (newCapacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + newCapacity);
        }
        if (expectedEtag == null || expectedEtag.isBlank()) {
            throw new IllegalArgumentException("expectedEtag is required");
        }
        if (!expectedEtag.equals(etag())) {
            throw new ScaleSetConflictException("scale set " + name + " changed since " + expectedEtag + " (now " + etag()
                    + ")", null);
        }
    }

    private void deleteNow(String method, Collection<String> instanceIds) {
        record(method, Collections.unmodifiableList(new ArrayList<>(instanceIds)));
        Set<Long> ids = parseAll(instanceIds);
        // Ids that no longer exist count as deleted: a repeated call has the outcome of one.
        int deleted = 0;
        for (Long id : ids) {
            if (instances.remove(id) != null) {
                deleted++;
            }
        }
        if (deleted > 0) {
            // Deleting instances lowers the capacity in the model, which gives the scale set a new ETag.
            capacity -= deleted;
            etagVersion++;
        }
    }

    /**
     * Deallocation and start settle at once (each instance reads deallocated, or running), unless operations are held:
     * then they read deallocating or starting until {@link #completeOperations()}.
     */
    @Override
    public synchronized void beginDeallocate(Collection<String> instanceIds) {
        record("beginDeallocate", Collections.unmodifiableList(new ArrayList<>(instanceIds)));
        power(instanceIds, holdOperations ? ScaleSetInstance.PowerState.DEALLOCATING : ScaleSetInstance.PowerState.DEALLOCATED);
    }

    @Override
    public synchronized void beginStart(Collection<String> instanceIds) {
        record("beginStart", Collections.unmodifiableList(new ArrayList<>(instanceIds)));
        power(instanceIds, holdOperations ? ScaleSetInstance.PowerState.STARTING : ScaleSetInstance.PowerState.RUNNING);
    }

    private void power(Collection<String> instanceIds, ScaleSetInstance.PowerState state) {
        for (Long id : parseAll(instanceIds)) {
            ScaleSetInstance old = instances.get(id);
            if (old == null) {
                throw new ScaleSetException("instance " + id + " of scale set " + name + " does not exist", false,
                        "InvalidParameter", null);
            }
            if (holdOperations) {
                heldPower.put(id, state == ScaleSetInstance.PowerState.STARTING
                        ? ScaleSetInstance.PowerState.RUNNING : ScaleSetInstance.PowerState.DEALLOCATED);
            }
            instances.put(id, new ScaleSetInstance(old.instanceId(), old.computerName(), state, old.provisioningState(),
                    old.createdAt(), old.protectedFromScaleIn(), old.vmId()));
        }
    }

    @Override
    public synchronized void protectFromScaleIn(String instanceId, boolean protect) {
        record("protectFromScaleIn", instanceId, protect);
        if (!instances.containsKey(parse(instanceId))) {
            throw new ScaleSetException("instance " + instanceId + " of scale set " + name + " does not exist", false, "NotFound", null);
        }
        ScaleSetInstance old = instances.get(parse(instanceId));
        instances.put(parse(instanceId), new ScaleSetInstance(old.instanceId(), old.computerName(), old.powerState(),
                old.provisioningState(), old.createdAt(), protect, old.vmId()));
    }

    private void resize(long newCapacity) {
        while (instances.size() < newCapacity) {
            newInstance(String.format("%s%06d", name, nextInstanceId));
        }
        // Setting a lower capacity lets Azure pick the victims: the newest unprotected instances here.
        List<Long> removable = instances.values().stream()
                .filter(instance -> !instance.protectedFromScaleIn())
                .map(instance -> Long.parseLong(instance.instanceId()))
                .sorted((a, b) -> Long.compare(b, a))
                .toList();
        for (int i = 0; instances.size() > newCapacity && i < removable.size(); i++) {
            instances.remove(removable.get(i));
        }
        capacity = newCapacity;
        etagVersion++;
    }

    /** The scale set's model changes (custom data, size, image): every instance made before is behind it. */
    public synchronized void changeModel() {
        instances.replaceAll((id, old) -> old.withModel(false, old.imageVersion()));
        etagVersion++;
    }

    /**
     * How a manualUpgrade or reimage ends: true (default) puts the instance on the latest model at once, as a VM whose
     * new disk booted; false leaves it as it was, as a VM that never comes back.
     */
    public synchronized void upgradesSucceed(boolean succeed) {
        upgradesSucceed = succeed;
    }

    @Override
    public synchronized void beginManualUpgrade(String instanceId) {
        record("beginManualUpgrade", instanceId);
        refuseOnFlexible("manualUpgrade");
        ScaleSetInstance old = requireInstance(instanceId);
        if (upgradesSucceed) {
            instances.put(parse(instanceId), old.withModel(true, old.imageVersion()));
        }
    }

    @Override
    public synchronized void beginReimage(String instanceId) {
        record("beginReimage", instanceId);
        refuseOnFlexible("reimage");
        ScaleSetInstance old = requireInstance(instanceId);
        if (upgradesSucceed && reimageVersion != null) {
            instances.put(parse(instanceId), old.withModel(old.latestModelApplied(), reimageVersion));
        }
    }

    /** Every instance runs image {@code version} ({@code exactVersion}), as booted from it. */
    public synchronized void runImage(String version) {
        instances.replaceAll((id, old) -> old.withModel(old.latestModelApplied(), version));
    }

    /** A reimage from now on installs {@code version}, the newest under a model that says latest (null: unchanged). */
    public synchronized void reimagesInstall(String version) {
        reimageVersion = version;
    }

    private void refuseOnFlexible(String operation) {
        if (flexible) {
            throw new ScaleSetException("Scale set " + name + " uses Flexible orchestration, which has no " + operation,
                    false, null);
        }
    }

    private ScaleSetInstance newInstance(String computerName) {
        long id = nextInstanceId++;
        ScaleSetInstance instance = new ScaleSetInstance(String.valueOf(id), computerName,
                ScaleSetInstance.PowerState.RUNNING, "Succeeded", clock.instant(), false, vmIdOf(name, id));
        if (flexible && reimageVersion != null) {
            instance = instance.withModel(true, reimageVersion);
        }
        instances.put(id, instance);
        return instance;
    }

    private ScaleSetInstance requireInstance(String instanceId) {
        ScaleSetInstance instance = instances.get(parse(instanceId));
        if (instance == null) {
            throw new IllegalArgumentException("no instance " + instanceId + " was arranged");
        }
        return instance;
    }

    private static long parse(String instanceId) {
        if (instanceId == null || !UNIFORM_INSTANCE_ID.matcher(instanceId).matches()) {
            throw new IllegalArgumentException("not an instance id of a Uniform scale set (a whole number): " + instanceId);
        }
        return Long.parseLong(instanceId);
    }

    private String etag() {
        return "\"" + etagVersion + "\"";
    }

    private void record(String method, Object... arguments) {
        // The same thread, so the lock it holds is its own: the other party's calls re-enter it.
        Runnable other = duringNextCall.remove(method);
        if (other != null) {
            other.run();
        }
        calls.add(new Call(method, Arrays.asList(arguments)));
        if (nextFailure != null && (nextFailureMethod == null || nextFailureMethod.equals(method))) {
            ScaleSetException failure = nextFailure;
            nextFailure = null;
            nextFailureMethod = null;
            throw failure;
        }
    }

    /** A stable vmId per scale set and instance id, GUID-shaped as ARM's: a test can derive it without asking. */
    public static String vmIdOf(String scaleSetName, long instanceId) {
        return java.util.UUID.nameUUIDFromBytes((scaleSetName + "/" + instanceId).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }
}
