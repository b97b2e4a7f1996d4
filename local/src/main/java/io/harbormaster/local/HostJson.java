package io.harbormaster.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.harbormaster.config.TimerTriggerSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parts of host.json the local host honours: the HTTP route prefix and the queue trigger settings. */
public record HostJson(String routePrefix, QueueSettings queues) {
    private static final Logger LOG = Logger.getLogger(HostJson.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    // .NET TimeSpan text as host.json uses it: [d.]hh:mm[:ss[.fffffff]], or a whole number of days.

    public static HostJson defaults() {
        return new HostJson("api", QueueSettings.defaults());
    }

    /** Reads host.json; a missing file is an error only when {@code required} (its path was configured). */
    public static HostJson read(Path path, boolean required) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new LocalHostStartupException("host.json not found at " + path + " (setting "
                        + LocalHostSettings.HOST_JSON + ")");
            }
            LOG.warning("No host.json at " + path.toAbsolutePath() + ": using the Functions host's defaults");
            return defaults();
        } catch (IOException e) {
            throw new LocalHostStartupException("Cannot read host.json at " + path + ": " + e.getMessage(), e);
        }
        return parse(text, path.toString());
    }

    public static HostJson parse(String text, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new LocalHostStartupException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new LocalHostStartupException(source + " is not a JSON object");
        }
        JsonNode extensions = field(root, "extensions");
        JsonNode http = field(extensions, "http");
        JsonNode prefixNode = field(http, "routePrefix");
        String routePrefix = prefixNode.isMissingNode() || prefixNode.isNull() ? "api" : prefixNode.asText();
        routePrefix = routePrefix.replaceAll("^/+|/+$", "");
        return new HostJson(routePrefix, queueSettings(field(extensions, "queues"), source));
    }

    static QueueSettings queueSettings(JsonNode queues, String source) {
        String at = source + " extensions.queues.";
        int batchSize = integer(queues, "batchSize", QueueSettings.DEFAULT_BATCH_SIZE, 1,
                QueueSettings.MAX_BATCH_SIZE, at);
        int newBatchThreshold = integer(queues, "newBatchThreshold", batchSize / 2, 0, Integer.MAX_VALUE, at);
        Duration maxPollingInterval = timeSpan(queues, "maxPollingInterval",
                QueueSettings.DEFAULT_MAX_POLLING_INTERVAL, QueueSettings.MIN_POLLING_INTERVAL, at);
        Duration visibilityTimeout = timeSpan(queues, "visibilityTimeout", Duration.ZERO, Duration.ZERO, at);
        int maxDequeueCount = integer(queues, "maxDequeueCount", QueueSettings.DEFAULT_MAX_DEQUEUE_COUNT, 1,
                Integer.MAX_VALUE, at);
        JsonNode encodingNode = field(queues, "messageEncoding");
        QueueSettings.MessageEncoding encoding = QueueSettings.MessageEncoding.BASE64;
        if (!encodingNode.isMissingNode() && !encodingNode.isNull()) {
            encoding = switch (encodingNode.asText().toLowerCase(Locale.ROOT)) {
                case "base64" -> QueueSettings.MessageEncoding.BASE64;
                case "none" -> QueueSettings.MessageEncoding.NONE;
                default -> throw new LocalHostStartupException(at + "messageEncoding is '" + encodingNode.asText()
                        + "': expected base64 or none");
            };
        }
        return new QueueSettings(batchSize, newBatchThreshold, maxPollingInterval, visibilityTimeout,
                maxDequeueCount, encoding);
    }

    private static int integer(JsonNode parent, String name, int defaultValue, int min, int max, String at) {
        JsonNode node = field(parent, name);
        if (node.isMissingNode() || node.isNull()) {
            return defaultValue;
        }
        if (node.canConvertToInt() && node.isIntegralNumber() && node.asInt() >= min && node.asInt() <= max) {
            return node.asInt();
        }
        String range = max == Integer.MAX_VALUE ? min + " or more" : "from " + min + " to " + max;
        throw new LocalHostStartupException(at + name + " is " + node + ": expected a whole number " + range);
    }

    private static Duration timeSpan(JsonNode parent, String name, Duration defaultValue, Duration min, String at) {
        JsonNode node = field(parent, name);
        if (node.isMissingNode() || node.isNull()) {
            return defaultValue;
        }
        try {
            if (node.isTextual()) {
                Duration value = TimerTriggerSchedule.parseTimeSpan(node.asText());
                if (value.compareTo(min) >= 0) {
                    return value;
                }
            }
        } catch (IllegalArgumentException ignored) {
            // reported below with the expected format
        }
        throw new LocalHostStartupException(at + name + " is " + node + ": expected a TimeSpan such as \"00:00:02\""
                + (min.isZero() ? "" : " of at least " + min.toMillis() + " ms"));
    }

    // The Functions host reads configuration case-insensitively.
    private static JsonNode field(JsonNode parent, String name) {
        if (parent == null || !parent.isObject()) {
            return MissingNode.getInstance();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = parent.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return MissingNode.getInstance();
    }
}
