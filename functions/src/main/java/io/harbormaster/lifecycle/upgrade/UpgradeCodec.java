package io.harbormaster.lifecycle.upgrade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.harbormaster.capacity.Pool;
import io.harbormaster.storage.StoredJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The upgrade's stored status and queue messages as JSON, written field by field so the stored form outlives a deploy. */
public final class UpgradeCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private UpgradeCodec() {
    }

    /** A queue message: which upgrade, and the step it was sent for. */
    public record Message(String upgradeId, long step) {
    }

    public static String message(Message message) {
        return JSON.createObjectNode().put("version", 1).put("upgradeId", message.upgradeId())
                .put("step", message.step()).toString();
    }

    /** @throws IllegalArgumentException naming what is wrong with the message */
    public static Message message(String text) {
        JsonNode node = parse(text, "upgrade message");
        if (node.path("version").asInt(-1) != 1) {
            throw new IllegalArgumentException("unsupported upgrade message version " + node.path("version"));
        }
        if (!node.path("upgradeId").isTextual()) {
            throw new IllegalArgumentException("upgrade message without upgradeId");
        }
        return new Message(node.path("upgradeId").asText(), node.path("step").asLong(0));
    }

    public static String status(UpgradeStatus status) {
        ObjectNode node = JSON.createObjectNode()
                .put("version", 1)
                .put("upgradeId", status.upgradeId())
                .put("state", status.state().wireName())
                .put("startedBy", status.startedBy())
                .put("startedAt", text(status.startedAt()))
                .put("updatedAt", text(status.updatedAt()))
                .put("pausedBecause", status.pausedBecause())
                .put("lastError", status.lastError())
                .put("step", status.step())
                .put("claimedBy", status.claimedBy());
        ArrayNode pools = node.putArray("pools");
        status.pools().forEach(pool -> pools.addObject().put("name", pool.name()).put("imageVersion", pool.imageVersion()));
        ArrayNode entries = node.putArray("entries");
        for (UpgradeEntry entry : status.entries()) {
            ObjectNode e = entries.addObject()
                    .put("pool", entry.pool())
                    .put("instanceId", entry.instanceId())
                    .put("computerName", entry.computerName())
                    .put("method", entry.method())
                    .put("phase", entry.phase().wireName())
                    .put("phaseSince", text(entry.phaseSince()))
                    .put("oldNodeId", entry.oldNodeId())
                    .put("surgeTarget", entry.surgeTarget())
                    .put("replacementId", entry.replacementId())
                    .put("replacementName", entry.replacementName())
                    .put("drainRequestId", entry.drainRequestId())
                    .put("outcome", entry.outcome())
                    .put("oldNodeWentDown", entry.oldNodeWentDown());
            ArrayNode before = e.putArray("instancesBefore");
            entry.instancesBefore().stream().sorted().forEach(before::add);
        }
        return node.toString();
    }

    /** A status stored by this version, or by one before pools (read as the single scale set's pool). */
    public static UpgradeStatus status(String text) {
        return status(text, Pool.DEFAULT_NAME);
    }

    /**
     * @param firstPool the pool a status stored before pools covered: it names no pool, and its bare instance ids are
     *                  the first pool's, as they still are
     * @throws IllegalArgumentException when the text is not a stored upgrade status
     */
    public static UpgradeStatus status(String text, String firstPool) {
        JsonNode node = parse(text, "upgrade status");
        try {
            List<UpgradeStatus.PoolTarget> pools = new ArrayList<>();
            for (JsonNode pool : node.path("pools")) {
                pools.add(new UpgradeStatus.PoolTarget(pool.path("name").asText(), optional(pool, "imageVersion")));
            }
            if (pools.isEmpty()) {
                pools.add(new UpgradeStatus.PoolTarget(firstPool, optional(node, "imageVersion")));
            }
            List<UpgradeEntry> entries = new ArrayList<>();
            for (JsonNode e : node.path("entries")) {
                Set<String> before = new TreeSet<>();
                e.path("instancesBefore").forEach(id -> before.add(id.asText()));
                entries.add(new UpgradeEntry(e.path("instanceId").asText(), optional(e, "computerName"),
                        e.path("method").asText(), UpgradePhase.parse(e.path("phase").asText()),
                        instant(e, "phaseSince"), optional(e, "oldNodeId"), e.path("surgeTarget").asLong(0), before,
                        optional(e, "replacementId"), optional(e, "replacementName"), optional(e, "drainRequestId"),
                        optional(e, "outcome"), e.path("oldNodeWentDown").asBoolean(false),
                        e.hasNonNull("pool") ? e.get("pool").asText() : firstPool));
            }
            return new UpgradeStatus(node.path("upgradeId").asText(),
                    UpgradeStatus.State.valueOf(node.path("state").asText().toUpperCase(java.util.Locale.ROOT)),
                    optional(node, "startedBy"), instant(node, "startedAt"), instant(node, "updatedAt"),
                    optional(node, "pausedBecause"), optional(node, "lastError"), node.path("step").asLong(0),
                    optional(node, "claimedBy"), entries, pools);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable upgrade status: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The status as GET /api/status and POST /api/upgrade show it: no message ids, instance by instance. */
    public static Map<String, Object> view(UpgradeStatus status) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("upgradeId", status.upgradeId());
        view.put("state", status.state().wireName());
        view.put("startedBy", status.startedBy());
        view.put("startedAt", text(status.startedAt()));
        view.put("updatedAt", text(status.updatedAt()));
        view.put("pausedBecause", status.pausedBecause());
        view.put("lastError", status.lastError());
        // The pool under way (the last one once done) and its newest image; each pool's below.
        view.put("pool", status.currentPool());
        view.put("imageVersion", status.imageVersion());
        view.put("done", status.count(UpgradePhase.DONE));
        view.put("total", status.entries().size());
        List<Map<String, Object>> pools = new ArrayList<>();
        for (UpgradeStatus.PoolTarget target : status.pools()) {
            Map<String, Object> pool = new LinkedHashMap<>();
            pool.put("name", target.name());
            pool.put("imageVersion", target.imageVersion());
            pool.put("done", status.entries().stream()
                    .filter(entry -> entry.pool().equals(target.name()) && entry.phase() == UpgradePhase.DONE).count());
            pool.put("total", status.entries().stream().filter(entry -> entry.pool().equals(target.name())).count());
            pools.add(pool);
        }
        view.put("pools", pools);
        List<Map<String, Object>> instances = new ArrayList<>();
        for (UpgradeEntry entry : status.entries()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("pool", entry.pool());
            one.put("instanceId", entry.instanceId());
            one.put("computerName", entry.computerName());
            one.put("method", entry.method());
            one.put("phase", entry.phase().wireName());
            one.put("phaseSince", text(entry.phaseSince()));
            one.put("surged", entry.surged());
            one.put("replacementId", entry.replacementId());
            one.put("drainRequestId", entry.drainRequestId());
            one.put("outcome", entry.outcome());
            instances.add(one);
        }
        view.put("instances", instances);
        return view;
    }

    private static JsonNode parse(String text, String what) {
        return StoredJson.object(text, what);
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    private static String optional(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode node, String field) {
        String value = optional(node, field);
        return value == null ? null : Instant.parse(value);
    }
}
