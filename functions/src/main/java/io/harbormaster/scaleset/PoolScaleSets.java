package io.harbormaster.scaleset;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every pool's scale set behind the one {@link ScaleSet} that drains and attestation use, which find an instance by
 * its computer name or vmId and then delete or protect it by id. An instance id names its pool, {@code gpu:3}, except
 * for the first pool's, which stay bare as a single scale set's were: so a drain recorded before there were pools
 * deletes from the first pool's scale set. Capacity is per pool: the capacity check writes it through each pool's own
 * scale set, never through this one.
 */
public final class PoolScaleSets implements ScaleSet {
    private static final char SEPARATOR = ':';

    private final Map<String, ScaleSet> byPool;
    private final String first;

    /** @param byPool each pool's scale set by pool name, the first pool first */
    public PoolScaleSets(Map<String, ScaleSet> byPool) {
        if (byPool.isEmpty()) {
            throw new IllegalArgumentException("no pool");
        }
        this.byPool = new LinkedHashMap<>(byPool);
        this.first = byPool.keySet().iterator().next();
    }

    /** The id this port gives an instance of {@code pool}. */
    public String qualify(String pool, String instanceId) {
        return qualify(pool, instanceId, pool.equals(first));
    }

    /** The id this port gives an instance of {@code pool}, the first pool's or another's. */
    public static String qualify(String pool, String instanceId, boolean firstPool) {
        return firstPool ? instanceId : pool + SEPARATOR + instanceId;
    }

    /** The first pool's scale set: the one the autoscale webhook and the single-scale-set settings name. */
    @Override
    public ScaleSetModel describe() {
        return byPool.get(first).describe();
    }

    /** Every pool's instances, one listing per pool, with qualified ids. */
    @Override
    public List<ScaleSetInstance> instances() {
        List<ScaleSetInstance> all = new ArrayList<>();
        byPool.forEach((pool, set) -> {
            for (ScaleSetInstance instance : set.instances()) {
                all.add(instance.withInstanceId(qualify(pool, instance.instanceId())));
            }
        });
        return all;
    }

    @Override
    public void setCapacity(long capacity, String expectedEtag) {
        throw new UnsupportedOperationException("capacity is set per pool, through the pool's own scale set");
    }

    @Override
    public void beginSetCapacity(long capacity, String expectedEtag) {
        throw new UnsupportedOperationException("capacity is set per pool, through the pool's own scale set");
    }

    @Override
    public void beginDeleteInstances(Collection<String> instanceIds) {
        byPool(instanceIds).forEach((pool, ids) -> byPool.get(pool).beginDeleteInstances(ids));
    }

    @Override
    public void deleteInstances(Collection<String> instanceIds) {
        byPool(instanceIds).forEach((pool, ids) -> byPool.get(pool).deleteInstances(ids));
    }

    @Override
    public void protectFromScaleIn(String instanceId, boolean protect) {
        byPool(List.of(instanceId)).forEach((pool, ids) -> byPool.get(pool).protectFromScaleIn(ids.get(0), protect));
    }

    @Override
    public void beginDeallocate(Collection<String> instanceIds) {
        byPool(instanceIds).forEach((pool, ids) -> byPool.get(pool).beginDeallocate(ids));
    }

    @Override
    public void beginStart(Collection<String> instanceIds) {
        byPool(instanceIds).forEach((pool, ids) -> byPool.get(pool).beginStart(ids));
    }

    @Override
    public void beginManualUpgrade(String instanceId) {
        byPool(List.of(instanceId)).forEach((pool, ids) -> byPool.get(pool).beginManualUpgrade(ids.get(0)));
    }

    @Override
    public void beginReimage(String instanceId) {
        byPool(List.of(instanceId)).forEach((pool, ids) -> byPool.get(pool).beginReimage(ids.get(0)));
    }

    /** The bare ids by pool name. */
    private Map<String, List<String>> byPool(Collection<String> instanceIds) {
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (String id : instanceIds) {
            int at = id.indexOf(SEPARATOR);
            String pool = at < 0 ? first : id.substring(0, at);
            if (!byPool.containsKey(pool)) {
                throw new ScaleSetException("instance " + id + " names pool '" + pool + "', which "
                        + "HARBORMASTER_POOLS no longer lists", false, null);
            }
            grouped.computeIfAbsent(pool, any -> new ArrayList<>()).add(at < 0 ? id : id.substring(at + 1));
        }
        return grouped;
    }

    @Override
    public String toString() {
        return "pools " + byPool;
    }
}
