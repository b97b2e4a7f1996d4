package io.harbormaster.local;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The local host's own app settings, read and checked once at startup. */
public record LocalHostSettings(int port, String bindAddress, int threads, FunctionKeys keys, Path hostJson,
        boolean hostJsonRequired, Duration queueLease) {
    public static final String PORT = "HARBORMASTER_LOCAL_PORT";
    public static final String BIND_ADDRESS = "HARBORMASTER_LOCAL_BIND_ADDRESS";
    public static final String THREADS = "HARBORMASTER_LOCAL_THREADS";
    public static final String AUTH = "HARBORMASTER_LOCAL_AUTH";
    public static final String FUNCTION_KEY = "HARBORMASTER_LOCAL_FUNCTION_KEY";
    public static final String MASTER_KEY = "HARBORMASTER_LOCAL_MASTER_KEY";
    public static final String HOST_JSON = "HARBORMASTER_HOST_JSON";
    public static final String QUEUE_LEASE = "HARBORMASTER_LOCAL_QUEUE_LEASE";
    /** What the Functions host takes a message for on receipt: a host that dies mid-run frees it only after this. */
    public static final Duration DEFAULT_QUEUE_LEASE = Duration.ofMinutes(10);

    public static final int DEFAULT_PORT = 7071;
    public static final int DEFAULT_THREADS = 32;
    // Like Core Tools: swarm nodes in their own network namespaces must reach the join endpoint.
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";

    public static LocalHostSettings read(AppSettings settings) {
        int port = settings.integer(PORT, DEFAULT_PORT, 0, 65535);
        int threads = settings.integer(THREADS, DEFAULT_THREADS, 1, 1024);
        String bindAddress = settings.optional(BIND_ADDRESS, DEFAULT_BIND_ADDRESS);
        FunctionKeys keys = readKeys(settings);
        if (!keys.enabled() && !isLoopback(bindAddress)) {
            // Anyone who reaches the port could drain and delete every node: only this machine may, then.
            throw new InvalidSettingException(AUTH, "is disabled, which is allowed only on a loopback bind, but "
                    + BIND_ADDRESS + " is '" + bindAddress + "': set it to 127.0.0.1 (or ::1, localhost), or set "
                    + AUTH + "=enabled with a " + FUNCTION_KEY);
        }
        Optional<String> hostJson = settings.optional(HOST_JSON);
        Duration queueLease = settings.duration(QUEUE_LEASE, DEFAULT_QUEUE_LEASE, Duration.ofSeconds(1), Duration.ofHours(1));
        return new LocalHostSettings(port, bindAddress, threads, keys, Path.of(hostJson.orElse("host.json")),
                hostJson.isPresent(), queueLease);
    }

    /** True when every address the name stands for is a loopback one; a literal IP is not looked up in DNS. */
    static boolean isLoopback(String bindAddress) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(bindAddress);
            return addresses.length > 0 && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException e) {
            throw new InvalidSettingException(BIND_ADDRESS, "is '" + bindAddress + "', which does not resolve");
        }
    }

    private static FunctionKeys readKeys(AppSettings settings) {
        String auth = settings.optional(AUTH, "enabled").toLowerCase();
        return switch (auth) {
            case "disabled" -> FunctionKeys.disabled();
            case "enabled" -> FunctionKeys.of(
                    settings.required(FUNCTION_KEY, "the key that FUNCTION-level HTTP functions require in ?code= or "
                            + "x-functions-key (or set " + AUTH + "=disabled to turn key checks off locally)"),
                    settings.optional(MASTER_KEY));
            default -> throw new InvalidSettingException(AUTH, "is '" + auth + "': expected enabled or disabled");
        };
    }
}
