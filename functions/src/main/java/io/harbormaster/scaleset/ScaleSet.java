package io.harbormaster.scaleset;

import java.util.Collection;
import java.util.List;

/** The agents' VM scale set; the port the core scales through (Azure in production, dockerd nodes locally). */
public interface ScaleSet {
    /** Capacity, SKU, orchestration mode and provisioning state, with the ETag a capacity write must match. */
    ScaleSetModel describe();

    /** Every instance, all pages. */
    List<ScaleSetInstance> instances();

    /**
     * Sets the capacity, for scale-out only: scale-in deletes named instances instead.
     *
     * @param expectedEtag the ETag read with {@link #describe()}; a write against a changed scale set fails
     * @throws ScaleSetConflictException when the scale set changed since {@code expectedEtag} was read
     */
    void setCapacity(long capacity, String expectedEtag);

    /**
     * Starts the capacity write of {@link #setCapacity} and returns once Azure accepted it, without waiting for the
     * operation: the caller records it and looks at the scale set on its next pass.
     *
     * @throws ScaleSetConflictException when the scale set changed since {@code expectedEtag} was read
     */
    void beginSetCapacity(long capacity, String expectedEtag);

    /**
     * Starts deleting exactly these instances and returns once Azure accepted it, without waiting for the
     * operation. Ids that no longer exist, or that Azure is already deleting, count as deleted.
     */
    void beginDeleteInstances(Collection<String> instanceIds);

    /**
     * Deletes exactly these instances and waits for the operation to finish. Ids that no longer exist
     * count as deleted, so a repeated call after a crash has the outcome of one.
     */
    void deleteInstances(Collection<String> instanceIds);

    /**
     * Starts deallocating exactly these instances and returns once Azure accepted it, without waiting: each stops
     * and keeps its disk and its instance id, and still counts in the scale set's capacity (a warm instance).
     */
    void beginDeallocate(Collection<String> instanceIds);

    /**
     * Starts these (deallocated) instances and returns once Azure accepted it, without waiting: each boots from
     * the disk it kept, and its agent joins the swarm afresh at boot.
     */
    void beginStart(Collection<String> instanceIds);

    /** Sets or clears protection from scale-in on one instance. */
    void protectFromScaleIn(String instanceId, boolean protect);

    /**
     * Starts applying the scale set's current model to this instance (ARM's manualUpgrade) and returns once Azure
     * accepted it: a new OS disk for new custom data or image, a restart for a new size.
     */
    void beginManualUpgrade(String instanceId);

    /** Starts reimaging this instance (a fresh OS disk from the model's image) and returns once Azure accepted it. */
    void beginReimage(String instanceId);
}
