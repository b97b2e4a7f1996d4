package io.harbormaster.capacity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.scaleset.ScaleSetModel;
import io.harbormaster.swarm.NodePlatform;
import io.harbormaster.swarm.Resources;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The pools of agents: {@code HARBORMASTER_POOLS}, a JSON array with one object per pool, or else the one pool the
 * single-scale-set settings make ({@code HARBORMASTER_SCALE_SET_NAME} and the policy's bounds and step). Both at once
 * are refused. No pool at all when neither names a scale set.
 */
public record PoolSettings(List<Pool> pools) {
    public static final String POOLS = ScaleSetSettings.POOLS;

    /** The settings the pools replace: setting one of them with the pools is refused. */
    static final List<String> SINGLE_SCALE_SET_SETTINGS = List.of(ScaleSetSettings.SCALE_SET_NAME,
            CapacitySettings.MIN_AGENTS, CapacitySettings.MAX_AGENTS, CapacitySettings.MAX_SCALE_OUT_STEP);

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * What only infra/cluster.json reads from the same array, so one JSON serves both: the VM size, the initial count,
     * a Spot pool's eviction policy and price cap, and the agents' computer name prefix.
     */
    private static final List<String> TEMPLATE_FIELDS = List.of("sku", "count", "evictionPolicy", "maxPrice",
            "computerNamePrefix");
    private static final List<String> FIELDS = List.of("name", "scaleSet", "min", "max", "step", "labels", "priority",
            "order", "agentCpus", "agentMemory", "scaleIn", "warmMax", "mode", "arch", "genericResources",
            "resourceGroup");
    /** The architectures a pool's agents may have, as their engines report them ({@code Description.Platform}). */
    private static final List<String> ARCHITECTURES = List.of(NodePlatform.X86_64, NodePlatform.AARCH64);
    // A generic resource kind as dockerd's node-generic-resources names it (gpu, fpga, NVIDIA-GPU).
    private static final Pattern GENERIC_KIND = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,63}");
    private static final long MOST_GENERIC = 1_000_000;
    // A name that is a node label value, a blob name part and a log word alike.
    private static final Pattern NAME = Pattern.compile("[a-z0-9](?:[-a-z0-9]{0,30}[a-z0-9])?");
    // Azure's rule, as ScaleSetSettings checks HARBORMASTER_SCALE_SET_NAME.
    private static final Pattern SCALE_SET_NAME = Pattern.compile("[A-Za-z0-9](?:[-\\w.]{0,62}\\w)?");
    // What `docker node update --label-add` takes without quoting, as the opt-out label.
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,127}");
    private static final Pattern LABEL_VALUE = Pattern.compile("[-A-Za-z0-9_.]{0,255}");
    private static final String RESERVED_PREFIX = "io.harbormaster.";
    // Azure's rule, as ScaleSetSettings checks HARBORMASTER_RESOURCE_GROUP.
    private static final Pattern RESOURCE_GROUP = Pattern.compile("[-\\w.()]{0,89}[-\\w()]");

    public PoolSettings {
        pools = List.copyOf(pools);
    }

    public static PoolSettings from(AppSettings settings, CapacityPolicy policy) {
        Optional<String> raw = settings.optional(POOLS);
        if (raw.isEmpty()) {
            Optional<String> scaleSet = settings.optional(ScaleSetSettings.SCALE_SET_NAME);
            return new PoolSettings(scaleSet.map(name -> List.of(Pool.single(name, policy))).orElse(List.of()));
        }
        List<String> alsoSet = SINGLE_SCALE_SET_SETTINGS.stream().filter(name -> settings.optional(name).isPresent()).toList();
        if (!alsoSet.isEmpty()) {
            throw new InvalidSettingException(POOLS, "is set together with " + String.join(", ", alsoSet)
                    + ": the pools replace the single scale set's settings; remove " + String.join(", ", alsoSet)
                    + " or " + POOLS);
        }
        PoolSettings parsed = parse(raw.get());
        parsed.requireFlexibleGroupsApart(settings.optional(ScaleSetSettings.RESOURCE_GROUP).orElse(null));
        return parsed;
    }

    /**
     * A Flexible pool's VMs are standard VMs of its scale set's group, so the app holds delete and deallocate rights on
     * that whole group: it must not be the managers' group, or the control plane could be turned against them.
     */
    void requireFlexibleGroupsApart(String clusterGroup) {
        for (Pool pool : pools) {
            if (pool.mode() != ScaleSetModel.OrchestrationMode.FLEXIBLE) {
                continue;
            }
            String why = ": Azure creates a Flexible scale set's VMs in its own resource group and the app may delete or"
                    + " deallocate any VM there, so that group must hold only Flexible pools, never the managers ("
                    + ScaleSetSettings.RESOURCE_GROUP + (clusterGroup == null ? "" : " '" + clusterGroup + "'")
                    + "); create one (infra/README.md, flexibleResourceGroup) and name it in the pool's resourceGroup";
            if (pool.resourceGroup() == null) {
                throw invalid("pool '" + pool.name() + "' is Flexible and has no resourceGroup" + why);
            }
            if (pool.resourceGroup().equalsIgnoreCase(clusterGroup)) {
                throw invalid("pool '" + pool.name() + "' is Flexible and its resourceGroup is the cluster's" + why);
            }
        }
    }

    static PoolSettings parse(String text) {
        JsonNode array;
        try {
            array = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid("is not valid JSON: " + e.getOriginalMessage());
        }
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw invalid("must be a JSON array of at least one pool, such as "
                    + "[{\"name\":\"general\",\"scaleSet\":\"hm-agents\",\"min\":1,\"max\":10,\"step\":3}]");
        }
        List<Pool> pools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> scaleSets = new HashSet<>();
        for (int position = 0; position < array.size(); position++) {
            Pool pool = pool(array.get(position), position);
            if (!names.add(pool.name())) {
                throw invalid("names pool '" + pool.name() + "' twice: pool names must be unique");
            }
            if (!scaleSets.add(pool.scaleSetName().toLowerCase(Locale.ROOT))) {
                throw invalid("gives scale set '" + pool.scaleSetName() + "' to two pools (the second is '" + pool.name()
                        + "'): each pool has its own scale set");
            }
            pools.add(pool);
        }
        return new PoolSettings(pools);
    }

    private static Pool pool(JsonNode object, int position) {
        String where = "pool #" + (position + 1);
        if (object == null || !object.isObject()) {
            throw invalid(where + " must be a JSON object");
        }
        String name = text(object, "name", where, true, NAME,
                "a name of 1 to 32 lower-case letters, digits or '-', such as gpu");
        where = "pool '" + name + "'";
        for (Iterator<String> fields = object.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!FIELDS.contains(field) && !TEMPLATE_FIELDS.contains(field)) {
                throw invalid(where + " has unknown field '" + field + "'; expected " + String.join(", ", FIELDS)
                        + " (and, read by infra/cluster.json only, " + String.join(", ", TEMPLATE_FIELDS) + ")");
            }
        }
        String scaleSet = text(object, "scaleSet", where, true, SCALE_SET_NAME,
                "a VM scale set name: 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit");
        int max = integer(object, "max", where, null, 1, CapacitySettings.MOST_AGENTS);
        int min = integer(object, "min", where, 0, 0, max);
        int step = integer(object, "step", where, CapacityPolicy.DEFAULTS.maxScaleOutStep(), 1, CapacitySettings.MOST_AGENTS);
        Pool.Priority priority = choice(object, "priority", where, Pool.Priority.class, Pool.Priority.REGULAR);
        int order = integer(object, "order", where, position, -1_000_000, 1_000_000);
        CapacityPolicy.ScaleInMode scaleIn = choice(object, "scaleIn", where, CapacityPolicy.ScaleInMode.class, CapacityPolicy.ScaleInMode.DELETE);
        // As HARBORMASTER_CAPACITY_WARM_MAX: one scale-out's worth by default, never more than the pool's max.
        int warmMax = integer(object, "warmMax", where, scaleIn == CapacityPolicy.ScaleInMode.DEALLOCATE ? Math.min(step, max) : 0,
                0, max);
        if (warmMax > 0 && scaleIn != CapacityPolicy.ScaleInMode.DEALLOCATE) {
            throw invalid(where + " field warmMax is " + warmMax + ": warm instances need \"scaleIn\":\"deallocate\"");
        }
        // Uniform or Flexible: fixed when the scale set is made (Learn "Orchestration modes"), so the emulator and
        // infra/cluster.json read it; the adapter follows what ARM says the scale set is.
        ScaleSetModel.OrchestrationMode mode = choice(object, "mode", where, ScaleSetModel.OrchestrationMode.class,
                ScaleSetModel.OrchestrationMode.UNIFORM);
        // Linux only: the agents' cloud-init is; the architecture is what node.platform.arch constraints see.
        String arch = text(object, "arch", where, false, Pattern.compile(String.join("|", ARCHITECTURES)),
                "one of " + String.join(", ", ARCHITECTURES) + " (as the engine reports it; default x86_64)");
        String resourceGroup = text(object, "resourceGroup", where, false, RESOURCE_GROUP,
                "a resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'");
        return new Pool(name, scaleSet, min, max, step, labels(object, where), priority, order, agentSize(object, where),
                scaleIn, warmMax, true, mode, arch == null ? Pool.DEFAULT_PLATFORM : NodePlatform.linux(arch),
                genericResources(object, where), resourceGroup);
    }

    private static String text(JsonNode object, String field, String where, boolean required, Pattern rule,
            String expectation) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw invalid(where + " has no field '" + field + "': expected " + expectation);
            }
            return null;
        }
        if (!value.isTextual() || !rule.matcher(value.asText()).matches()) {
            throw invalid(where + " field " + field + " is " + value + ": expected " + expectation);
        }
        return value.asText();
    }

    private static int integer(JsonNode object, String field, String where, Integer defaultValue, int min, int max) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (defaultValue == null) {
                throw invalid(where + " has no field '" + field + "': expected a whole number from " + min + " to " + max);
            }
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
            throw invalid(where + " field " + field + " is " + value + ": expected a whole number from " + min + " to " + max);
        }
        return value.asInt();
    }

    private static <E extends Enum<E>> E choice(JsonNode object, String field, String where, Class<E> kind, E defaultValue) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        for (E constant : kind.getEnumConstants()) {
            if (value.isTextual() && constant.name().equalsIgnoreCase(value.asText())) {
                return constant;
            }
        }
        List<String> expected = new ArrayList<>();
        for (E constant : kind.getEnumConstants()) {
            expected.add(constant.name().charAt(0) + constant.name().substring(1).toLowerCase(Locale.ROOT));
        }
        throw invalid(where + " field " + field + " is " + value + ": expected one of " + String.join(", ", expected));
    }

    private static Map<String, String> labels(JsonNode object, String where) {
        JsonNode value = object.get("labels");
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw invalid(where + " field labels is " + value + ": expected an object of node labels such as {\"gpu\":\"true\"}");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> entries = value.fields(); entries.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String key = entry.getKey();
            if (!LABEL_KEY.matcher(key).matches() || key.startsWith(RESERVED_PREFIX)) {
                throw invalid(where + " field labels has key '" + key + "': expected letters, digits, '-', '_' or '.',"
                        + " starting with a letter or digit, and not under " + RESERVED_PREFIX + " (the control plane's)");
            }
            JsonNode label = entry.getValue();
            if (!label.isTextual() || !LABEL_VALUE.matcher(label.asText()).matches()) {
                throw invalid(where + " field labels has " + key + "=" + label + ": expected a string of letters, digits,"
                        + " '-', '_' or '.'");
            }
            labels.put(key, label.asText());
        }
        return labels;
    }

    /**
     * What each new agent advertises through dockerd's {@code node-generic-resources}: an object of kind to a whole
     * number, {@code {"gpu": 1}}.
     */
    private static Map<String, Long> genericResources(JsonNode object, String where) {
        JsonNode value = object.get("genericResources");
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw invalid(where + " field genericResources is " + value + ": expected an object of generic resource"
                    + " kinds to counts, such as {\"gpu\":1}");
        }
        Map<String, Long> kinds = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> entries = value.fields(); entries.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = entries.next();
            if (!GENERIC_KIND.matcher(entry.getKey()).matches()) {
                throw invalid(where + " field genericResources has kind '" + entry.getKey() + "': expected 1 to 64"
                        + " letters, digits, '-', '_' or '.', starting with a letter or digit, as dockerd names it");
            }
            JsonNode count = entry.getValue();
            if (!count.isIntegralNumber() || !count.canConvertToLong() || count.asLong() < 1 || count.asLong() > MOST_GENERIC) {
                throw invalid(where + " field genericResources has " + entry.getKey() + "=" + count
                        + ": expected a whole number from 1 to " + MOST_GENERIC);
            }
            kinds.put(entry.getKey(), count.asLong());
        }
        return kinds;
    }

    /** Both or neither: a new agent's size is one figure, and half of it from the policy would mislead. */
    private static Resources agentSize(JsonNode object, String where) {
        JsonNode cpus = object.get("agentCpus");
        JsonNode memory = object.get("agentMemory");
        boolean hasCpus = cpus != null && !cpus.isNull();
        boolean hasMemory = memory != null && !memory.isNull();
        if (!hasCpus && !hasMemory) {
            return null;
        }
        if (hasCpus != hasMemory) {
            throw invalid(where + " sets " + (hasCpus ? "agentCpus without agentMemory" : "agentMemory without agentCpus")
                    + ": a new agent's size needs both");
        }
        BigDecimal count = cpus.isNumber() ? cpus.decimalValue() : null;
        if (count == null || count.compareTo(new BigDecimal("0.01")) < 0 || count.compareTo(BigDecimal.valueOf(1000)) > 0) {
            throw invalid(where + " field agentCpus is " + cpus + ": expected a number of CPUs from 0.01 to 1000, such as 4");
        }
        OptionalLong bytes = memory.isTextual() ? CapacitySettings.memoryBytes(memory.asText())
                : memory.isIntegralNumber() ? CapacitySettings.memoryBytes(memory.asText()) : OptionalLong.empty();
        if (bytes.isEmpty()) {
            throw invalid(where + " field agentMemory is " + memory + ": expected " + CapacitySettings.MEMORY_FORM);
        }
        return new Resources(count.multiply(BigDecimal.valueOf(1_000_000_000L)).longValue(), bytes.getAsLong());
    }

    private static InvalidSettingException invalid(String problem) {
        return new InvalidSettingException(POOLS, problem);
    }
}
