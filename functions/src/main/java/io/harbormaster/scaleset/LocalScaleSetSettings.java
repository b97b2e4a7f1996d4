package io.harbormaster.scaleset;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The local scale set's settings (agents as dockerd nodes on this machine); beside the local host's, as neither applies in Azure.
 *
 * @param script scripts/lib/worker-nodes.sh of a checkout; setting it is what turns the local scale set on
 * @param nodesDirectory the script's state folder (its HM_NODES_DIR), which also holds the scale set's own state
 * @param joinUrl the function app's base URL as nodes in their network namespaces see it
 * @param keyFile the file whose first line is the function key nodes join with
 * @param prefix instances are nodes named {@code <prefix>-<instance id>}
 * @param size the SKU-like size label the scale set reports
 * @param maxCapacity the most nodes the scale set may hold, like a subscription's quota in Azure
 */
public record LocalScaleSetSettings(
        Path script, Path nodesDirectory, URI joinUrl, Path keyFile, String prefix, String size, int maxCapacity) {
    public static final String SCRIPT = "HARBORMASTER_LOCAL_SCALE_SET";
    public static final String JOIN_URL = "HARBORMASTER_LOCAL_SCALE_SET_JOIN_URL";
    public static final String KEY_FILE = "HARBORMASTER_LOCAL_SCALE_SET_KEY_FILE";
    public static final String PREFIX = "HARBORMASTER_LOCAL_SCALE_SET_PREFIX";
    public static final String SIZE = "HARBORMASTER_LOCAL_SCALE_SET_SIZE";
    public static final String MAX_CAPACITY = "HARBORMASTER_LOCAL_SCALE_SET_MAX_CAPACITY";
    /** worker-nodes.sh's own variable, honoured so that the script run by hand and the scale set agree. */
    public static final String NODES_DIR = "HM_NODES_DIR";

    public static final String DEFAULT_PREFIX = "hm-local";
    public static final String DEFAULT_SIZE = "Local_Dockerd";
    public static final int DEFAULT_MAX_CAPACITY = 10;
    // Room for "-<id>" within a 63-character hostname label.
    private static final Pattern PREFIX_RULE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?");
    private static final Pattern SIZE_RULE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final String JOIN_URL_EXPECTED = "the join function's base URL as nodes see it, such as "
            + "http://10.213.77.1:7071 (the bridge address; loopback does not reach out of a node's network namespace)";

    /** Present when {@link #SCRIPT} is set. */
    public static Optional<LocalScaleSetSettings> from(AppSettings settings) {
        if (settings.optional(SCRIPT).isEmpty()) {
            return Optional.empty();
        }
        Path script = Path.of(settings.optional(SCRIPT).orElseThrow()).toAbsolutePath().normalize();
        if (!Files.isRegularFile(script)) {
            throw new InvalidSettingException(SCRIPT, "is '" + script + "', which is not a file: expected the path of "
                    + "scripts/lib/worker-nodes.sh");
        }
        // The script's own default: .dev/nodes of the checkout it belongs to.
        Path nodes = settings.optional(NODES_DIR).map(Path::of).orElseGet(() -> {
            Path lib = script.getParent();
            if (!lib.endsWith(Path.of("scripts", "lib")) || lib.getParent().getParent() == null) {
                throw new InvalidSettingException(SCRIPT, "is '" + script + "', outside scripts/lib of a checkout: "
                        + "set " + NODES_DIR + " to the nodes' state folder");
            }
            return lib.getParent().getParent().resolve(".dev").resolve("nodes");
        });
        Path keyFile = Path.of(settings.required(KEY_FILE, "the path of a file holding the function key on its first line"))
                .toAbsolutePath().normalize();
        if (!Files.isReadable(keyFile)) {
            throw new InvalidSettingException(KEY_FILE, "is '" + keyFile + "', which is not a readable file");
        }
        String prefix = settings.optional(PREFIX, DEFAULT_PREFIX);
        if (!PREFIX_RULE.matcher(prefix).matches()) {
            throw new InvalidSettingException(PREFIX, "is '" + prefix + "': expected 1 to 42 lowercase letters, digits "
                    + "or '-', starting and ending with a letter or digit");
        }
        String size = settings.optional(SIZE, DEFAULT_SIZE);
        if (!SIZE_RULE.matcher(size).matches()) {
            throw new InvalidSettingException(SIZE, "is '" + size + "': expected 1 to 64 letters, digits, '_', '.' or '-'");
        }
        return Optional.of(new LocalScaleSetSettings(script, nodes.toAbsolutePath().normalize(), joinUrl(settings),
                keyFile, prefix, size, settings.integer(MAX_CAPACITY, DEFAULT_MAX_CAPACITY, 1, 200)));
    }

    private static URI joinUrl(AppSettings settings) {
        String raw = settings.required(JOIN_URL, JOIN_URL_EXPECTED);
        try {
            URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            boolean bare = (uri.getPath() == null || uri.getPath().isEmpty()) && uri.getQuery() == null
                    && uri.getFragment() == null && uri.getUserInfo() == null;
            if (http && bare && uri.getHost() != null && !loopback(uri.getHost())) {
                return uri;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        throw new InvalidSettingException(JOIN_URL, "is '" + raw + "': expected " + JOIN_URL_EXPECTED);
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }
}
