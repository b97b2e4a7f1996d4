package io.harbormaster.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.AzureCloud;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.emulator.arm.ArmFaults;
import io.harbormaster.emulator.arm.ArmServer;
import io.harbormaster.emulator.cloud.CloudSettings;
import io.harbormaster.emulator.cloud.EmulatedCloud;
import io.harbormaster.emulator.cloud.InstanceSnapshot;
import io.harbormaster.emulator.cloud.ScaleSetSpec;
import io.harbormaster.emulator.cloud.StandaloneVm;
import io.harbormaster.emulator.cloud.TerminateNotification;
import io.harbormaster.emulator.identity.IdentityServer;
import io.harbormaster.emulator.identity.TokenBook;
import io.harbormaster.emulator.imds.AttestedDocuments;
import io.harbormaster.emulator.imds.ImdsServer;
import io.harbormaster.emulator.nodes.DockerdMachines;
import io.harbormaster.emulator.nodes.HangingBoots;
import io.harbormaster.emulator.nodes.HostCommand;
import io.harbormaster.emulator.nodes.MachineSpec;
import io.harbormaster.emulator.nodes.MachinesSettings;
import io.harbormaster.emulator.pki.EmulatorAuthority;
import io.harbormaster.trust.TrustSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * The Azure surfaces Harbormaster touches, on this machine: Resource Manager over https for the agents' scale set and
 * the manager VM, the App Service managed identity endpoint, and IMDS for every VM, whose instances are dockerd nodes
 * booted by the agents' cloud-config. Dev and tests only.
 */
public final class AzureEmulator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AzureEmulator.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("__HARBORMASTER_[A-Z0-9_]+__");

    private final EmulatorSettings settings;
    private final List<AutoCloseable> opened = new ArrayList<>();
    /** Manager VMs booted as machines from cloud-init/master.yml, destroyed with the emulator. */
    private final List<String> managerMachines = new java.util.concurrent.CopyOnWriteArrayList<>();
    private EmulatorAuthority authority;
    private DockerdMachines machines;
    private HangingBoots boots;
    private EmulatedCloud cloud;
    private ArmServer arm;
    private IdentityServer identity;
    private ImdsServer imds;
    private ControlServer control;

    private AzureEmulator(EmulatorSettings settings) {
        this.settings = settings;
    }

    /** Starts every surface, then the scale set with its initial capacity booting in the background. */
    public static AzureEmulator start(EmulatorSettings settings) throws IOException {
        AzureEmulator emulator = new AzureEmulator(settings);
        try {
            emulator.open();
            return emulator;
        } catch (IOException | RuntimeException e) {
            try {
                emulator.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private void open() throws IOException {
        Path dir = Files.createDirectories(settings.stateDirectory());
        authority = EmulatorAuthority.loadOrCreate(dir.resolve("pki"));
        machines = new DockerdMachines(new MachinesSettings(dir.resolve("machines"), checkout().resolve("scripts/lib"),
                "hm-br0", settings.bridgeAddress().getHostAddress(), Path.of("/run/harbormaster-nodes"),
                Duration.ofSeconds(30), Duration.ofSeconds(15)));
        ArmFaults faults = new ArmFaults();
        boots = new HangingBoots(machines);
        cloud = new EmulatedCloud(new CloudSettings(settings.subscriptionId(), settings.resourceGroup(),
                settings.preemptNotice()), boots, faults);
        opened.add(cloud);
        TokenBook tokens = new TokenBook();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        identity = new IdentityServer(new InetSocketAddress(loopback, settings.identityPort()), tokens,
                IdentityServer.ARM_AUDIENCES).start();
        opened.add(identity);
        arm = new ArmServer(new HttpsConfigurator(authority.serverSslContext()),
                new InetSocketAddress(loopback, settings.armPort()), cloud, tokens, faults).start();
        opened.add(arm);
        // Nodes poll once a second (Learn's advice), and a node's helpers share its allowance: a lenient rate here.
        imds = new ImdsServer(new InetSocketAddress(settings.bridgeAddress(), settings.imdsPort()), cloud,
                new AttestedDocuments(authority.imdsSigning(), Clock.systemUTC()), 50).start();
        opened.add(imds);
        control = new ControlServer(new InetSocketAddress(loopback, settings.controlPort()), cloud, arm,
                settings.scaleSetName(), boots).start();
        opened.add(control);
        // The swarm manager runs on this machine's bridge address, as manager VM master0 does on its subnet.
        cloud.addStandaloneVm(new StandaloneVm(settings.managerName(), UUID.randomUUID().toString(),
                settings.managerName(), settings.bridgeAddress(), settings.location(), settings.sku(), ""));
        // One scale set, or one per pool; every pool's agents boot from the same cloud-config, with its generic resources.
        for (EmulatorSettings.ScaleSetPlan plan : settings.pools()) {
            ScaleSetSpec spec = ScaleSetSpec.regular(plan.scaleSetName(), settings.location(), settings.sku(),
                    plan.initialCapacity(), plan.computerNamePrefix())
                    .withCustomData(customData(plan))
                    .withZones(settings.zones())
                    .withTerminateNotification(new TerminateNotification(true, settings.terminateNotice()))
                    .withOrchestrationMode(plan.orchestrationMode())
                    .withResourceGroup(plan.resourceGroup());
            if (plan.priority().equals("Spot")) {
                spec = spec.withSpot(settings.evictionPolicy().isEmpty() ? "Deallocate" : settings.evictionPolicy());
            }
            cloud.addScaleSet(spec);
            LOG.info(() -> "Azure emulator for " + plan.orchestrationMode() + " " + settings.scaleSetId(plan.scaleSetName()) + ": "
                    + plan.initialCapacity() + " instance(s) booting");
        }
        LOG.info(() -> "Azure emulator: ARM " + arm.endpoint() + ", identity " + identity.endpoint() + ", IMDS "
                + imds.url() + ", controls " + control.endpoint());
    }

    /**
     * The first scale set's custom data: the agents' cloud-config, base64 as the scale set's custom data carries it,
     * with the placeholders filled as infra/cluster.json fills them in Azure. Public so that a model change can start
     * from the scale set's first model.
     */
    public String customData() throws IOException {
        return customData(settings.pools().get(0));
    }

    /** The custom data of the plan's scale set: as {@link #customData()}, with that pool's generic resources. */
    private String customData(EmulatorSettings.ScaleSetPlan plan) throws IOException {
        String config = Files.readString(settings.cloudConfig())
                .replace("__HARBORMASTER_FUNCTION_URL__", settings.functionUrl().toString().replaceAll("/$", ""))
                .replace("__HARBORMASTER_IMDS_URL__", imds.url().toString().replaceAll("/$", ""))
                // base64(string(pool.genericResources)), as the template writes it; {} for none
                .replace("__HARBORMASTER_GENERIC_RESOURCES_B64__", Base64.getEncoder().encodeToString(
                        JSON.writeValueAsBytes(new TreeMap<>(plan.genericResources()))));
        unfilledPlaceholder(config).ifPresent(placeholder -> {
            throw new InvalidSettingException(EmulatorSettings.CLOUD_CONFIG,
                    "has a placeholder the emulator does not fill: " + placeholder);
        });
        return Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Boots manager VM {@code name} (also its computer name) as a machine from cloud-init/master.yml, with the
     * placeholders filled as infra/cluster.json fills them: its index, its private address (leased before it boots, as
     * Azure's static manager address is known to the template), the function URL, this emulator's IMDS, and the Docker
     * TLS material of {@code infra/docker-tls.sh generate}. It becomes a standalone VM of the resource group, known to
     * ARM and IMDS. Returns once its units have started: index 0 initialises a swarm of its own; any other index joins
     * that swarm as a manager through the join function, by attestation. The nodes' Docker API stays on their unix
     * socket: the emulator runs dockerd itself and does not read master.yml's docker.service drop-in (TCP 2376).
     */
    public StandaloneVm bootManager(String name, int index) throws IOException {
        if (index < 0 || index > 4) {
            throw new IllegalArgumentException("a manager index is 0 to 4, as infra/cluster.json's copy loop has it: " + index);
        }
        InetAddress address = machines.reserveAddress(name);
        StandaloneVm vm = new StandaloneVm(name, UUID.randomUUID().toString(), name, address, settings.location(),
                settings.sku(), "");
        cloud.addStandaloneVm(vm);
        managerMachines.add(name);
        Path tls = dockerTls();
        String config = Files.readString(checkout().resolve("cloud-init/master.yml"))
                .replace("__HARBORMASTER_MANAGER_INDEX__", Integer.toString(index))
                .replace("__HARBORMASTER_MANAGER_ADDRESS__", address.getHostAddress())
                .replace("__HARBORMASTER_FUNCTION_URL__", settings.functionUrl().toString().replaceAll("/$", ""))
                .replace("__HARBORMASTER_IMDS_URL__", imds.url().toString().replaceAll("/$", ""))
                .replace("__HARBORMASTER_DOCKER_TLS_CA_PEM_B64__", base64(tls.resolve("ca.pem")))
                .replace("__HARBORMASTER_DOCKER_TLS_SERVER_CERT_PEM_B64__", base64(tls.resolve("server-cert.pem")))
                .replace("__HARBORMASTER_DOCKER_TLS_SERVER_KEY_PEM_B64__", base64(tls.resolve("server-key.pem")));
        unfilledPlaceholder(config).ifPresent(placeholder -> {
            throw new IllegalStateException("cloud-init/master.yml has a placeholder the emulator does not fill: "
                    + placeholder);
        });
        machines.boot(new MachineSpec(name, name, config));
        return vm;
    }

    /** The managers' Docker TLS material, made once per state directory by the operators' own generator. */
    private synchronized Path dockerTls() throws IOException {
        Path dir = settings.stateDirectory().resolve("docker-tls");
        if (Files.isRegularFile(dir.resolve("server-key.pem"))) {
            return dir;
        }
        String bridge = settings.bridgeAddress().getHostAddress();
        String prefix = bridge.substring(0, bridge.lastIndexOf('.')) + ".0/24";
        Path partial = settings.stateDirectory().resolve("docker-tls.partial");
        HostCommand.run("rm", "-rf", partial.toString()).orThrow();
        HostCommand.run(Duration.ofSeconds(60), List.of("sh", checkout().resolve("infra/docker-tls.sh").toString(),
                "generate", partial.toString(), prefix)).orThrow();
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** The first {@code __HARBORMASTER_*__} placeholder left in a cloud-config, if any: infra/cluster.json fills them all. */
    private static Optional<String> unfilledPlaceholder(String config) {
        java.util.regex.Matcher unfilled = PLACEHOLDER.matcher(config);
        return unfilled.find() ? Optional.of(unfilled.group()) : Optional.empty();
    }

    private static String base64(Path file) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }

    /** The checkout this emulator runs from: the agents' cloud-config is its cloud-init/agent.yml. */
    private Path checkout() {
        return settings.cloudConfig().toAbsolutePath().getParent().getParent();
    }

    /** What the function app needs to reach this emulator: the cloud setting and the identity endpoint. */
    public Map<String, String> appEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(AzureCloud.SETTING, arm.endpoint().toString());
        env.put(AzureCloud.IDENTITY_ENDPOINT, identity.endpoint().toString());
        env.put(AzureCloud.IDENTITY_HEADER, identity.identityHeader());
        // Attested node calls: the app trusts this emulator's IMDS signer (its chain: the PKCS#7 carries only the
        // leaf), and the manager VM may attest as a manager.
        try {
            env.put(TrustSettings.TRUST_PEM, Files.readString(authority.rootPem()) + Files.readString(authority.intermediatePem()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the emulator's CA certificates", e);
        }
        env.put(TrustSettings.MANAGER_VM_NAMES, settings.managerName());
        return env;
    }

    /**
     * The app JVM's options: trust the emulator's CA, whose certificate the ARM endpoint presents, and whatever this
     * JVM was told to trust ({@code -Djavax.net.ssl.trustStore}: the local services' CA, for Azurite over https).
     */
    public List<String> appJvmOptions() {
        return List.of("-Djavax.net.ssl.trustStore=" + authority.appTrustStore(trustedByThisJvm()),
                "-Djavax.net.ssl.trustStorePassword=" + EmulatorAuthority.TRUST_STORE_PASSWORD);
    }

    /** The certificates of the trust store this JVM was started with, if one was named; none otherwise. */
    static List<X509Certificate> trustedByThisJvm() {
        String path = System.getProperty("javax.net.ssl.trustStore");
        if (path == null || path.isBlank()) {
            return List.of();
        }
        String password = System.getProperty("javax.net.ssl.trustStorePassword");
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            KeyStore store = KeyStore.getInstance(System.getProperty("javax.net.ssl.trustStoreType", KeyStore.getDefaultType()));
            store.load(in, password == null ? null : password.toCharArray());
            List<X509Certificate> certificates = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.getCertificate(alias) instanceof X509Certificate certificate) {
                    certificates.add(certificate);
                }
            }
            return certificates;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the trust store javax.net.ssl.trustStore=" + path, e);
        }
    }

    public EmulatorSettings settings() {
        return settings;
    }

    public EmulatedCloud cloud() {
        return cloud;
    }

    public ArmServer arm() {
        return arm;
    }

    /** The knob of control route {@code POST /faults/hold-boot}: VM {@code vmName}'s next boot hangs. */
    public void holdNextBoot(String vmName) {
        boots.holdNextBoot(vmName);
    }

    public IdentityServer identity() {
        return identity;
    }

    public ImdsServer imds() {
        return imds;
    }

    public DockerdMachines machines() {
        return machines;
    }

    public EmulatorAuthority authority() {
        return authority;
    }

    public URI controlEndpoint() {
        return control.endpoint();
    }

    /** Stops the surfaces, then destroys every machine: the emulated VMs do not outlive the emulator. */
    @Override
    public void close() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                LOG.warning("closing " + opened.get(i).getClass().getSimpleName() + " failed: " + e);
            }
        }
        opened.clear();
        for (String manager : managerMachines) {
            try {
                machines.destroy(manager);
            } catch (RuntimeException e) {
                LOG.warning("destroying manager machine " + manager + " failed: " + e.getMessage());
            }
        }
        for (EmulatorSettings.ScaleSetPlan plan : settings.pools()) {
            if (cloud == null || machines == null || cloud.scaleSet(plan.scaleSetName()).isEmpty()) {
                continue;
            }
            for (InstanceSnapshot instance : cloud.instances(plan.scaleSetName())) {
                try {
                    machines.destroy(instance.name());
                } catch (RuntimeException e) {
                    LOG.warning("destroying machine " + instance.name() + " failed: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Runs until SIGTERM or SIGINT. Settings come from the environment; once every surface answers, the app's settings
     * are written to {@code <state dir>/app.env} (0600: it holds the identity header) for scripts/dev.sh to source.
     */
    public static void main(String[] args) throws Exception {
        EmulatorSettings settings;
        try {
            settings = EmulatorSettings.from(AppSettings.fromEnvironment());
        } catch (InvalidSettingException e) {
            System.err.println("Azure emulator: " + e.getMessage());
            System.exit(2);
            return;
        }
        AzureEmulator emulator = start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }, "emulator-shutdown"));
        emulator.writeAppEnvironment(settings.stateDirectory().resolve("app.env"));
        stopped.await();
    }

    private void writeAppEnvironment(Path file) {
        StringBuilder text = new StringBuilder("# Written by io.harbormaster.emulator.AzureEmulator; sourced by scripts/dev.sh.\n");
        appEnvironment().forEach((name, value) -> text.append("export ").append(name).append('=')
                .append(shellQuoted(value)).append('\n'));
        text.append("export HARBORMASTER_EMULATOR_TRUST_OPTS=").append(shellQuoted(String.join(" ", appJvmOptions())))
                .append('\n');
        try {
            Path tmp = Files.createTempFile(file.getParent(), "app.env", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String shellQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
