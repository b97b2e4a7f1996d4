package io.harbormaster.trust;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.scaleset.AzureScaleSet;
import io.harbormaster.scaleset.ScaleSet;
import io.harbormaster.storage.OnFirstUse;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.trust.CallerRights.DrainBounds;
import io.harbormaster.trust.CallerRights.SelfDrain;
import io.harbormaster.trust.TrustRefusal.Kind;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides who a node is and what it may do: a verified attested document with a nonce we issued, not used before,
 * whose vmId ARM lists as our agent or manager; or a credential issued after such an attestation. Then the caller's
 * rights and rate. Every "no" is a {@link TrustRefusal}, thrown before anything changes.
 */
public final class NodeAuthority {
    /** How long a node waits before asking IMDS again when it sent a cached document: IMDS's cache is short. */
    static final Duration RETRY_CACHED_DOCUMENT = Duration.ofSeconds(2);

    /** How a node proves itself: a bearer credential, or an attested document with the nonce it asked IMDS to sign. */
    public record Proof(Optional<String> credential, Optional<JsonNode> attestation, Optional<String> askedNonce) {
        @Override
        public String toString() {
            return "Proof[credential=" + credential.map(c -> "<redacted>").orElse("none")
                    + ", attestation=" + attestation.map(a -> "<document>").orElse("none") + "]";
        }
    }

    /** The proven machine, and the credential issued when it proved itself by attestation. */
    public record Authenticated(Machine machine, Optional<NodeCredentials.Issued> credential) {
    }

    private final AttestationVerifier verifier;
    private final NonceBook nonces;
    private final ReplayGuard replays;
    private final MachineIndex machines;
    private final NodeCredentials credentials;
    private final RateLimits joins;
    private final RateLimits drains;
    private final DrainBounds drainBounds;
    private final Clock clock;
    static final int EVENTS_PER_MINUTE = 120;
    private final RateLimits events = new RateLimits(EVENTS_PER_MINUTE, System::nanoTime);
    private volatile Runnable warmUp = () -> { };
    private volatile RefusalAudit refusals = new RefusalAudit(AuditTrail.NONE, Clock.systemUTC());

    public NodeAuthority(AttestationVerifier verifier, NonceBook nonces, ReplayGuard replays, MachineIndex machines,
            NodeCredentials credentials, RateLimits joins, RateLimits drains, DrainBounds drainBounds, Clock clock) {
        this.verifier = verifier;
        this.nonces = nonces;
        this.replays = replays;
        this.machines = machines;
        this.credentials = credentials;
        this.joins = joins;
        this.drains = drains;
        this.drainBounds = drainBounds;
        this.clock = clock;
    }

    /**
     * Production: replay markers and the stored key in the Functions host's storage account, the machines from ARM.
     * Sends nothing: the container is created, and the stored key read, on first use (a nonce, a join), so a cold
     * start can serve other routes meanwhile and a storage outage at startup fails only the calls that need it. Call
     * {@link #warm()} in the background to have them ready before the first node asks.
     */
    public static NodeAuthority connect(TrustSettings settings, StorageClients storage, ScaleSet scaleSet, Clock clock,
            AuditTrail audit) {
        // The blob client too (the storage SDK's HTTP pipeline) is built on first use.
        OnFirstUse<BlobTrustStore> ready = new OnFirstUse<>("trust container", () -> BlobTrustStore.connect(storage,
                settings.nonceLifetime().plus(AttestationVerifier.CLOCK_SKEW).plus(NonceBook.SLOT), clock)
                .ensureContainer());
        Optional<OnFirstUse<TrustKey>> storedKey = settings.key().isPresent() ? Optional.empty()
                : Optional.of(new OnFirstUse<>("stored trust key", () -> ready.get().storedKey()));
        Supplier<TrustKey> key = storedKey.<Supplier<TrustKey>>map(stored -> stored)
                .orElseGet(() -> settings.key()::orElseThrow);
        // ARM's client (the resource manager SDK's classes) is built by the first listing: the warm-up or a join.
        MachineDirectory directory = new OnFirstUse<MachineDirectory>("machines from ARM", () -> new ArmMachineDirectory(
                scaleSet, AzureScaleSet.computeClient(settings.scaleSet()).getVirtualMachines(),
                settings.scaleSet().resourceGroup(), settings.managerVmNames())).as(MachineDirectory.class);
        MachineIndex machines = new MachineIndex(directory, clock);
        NodeAuthority authority = new NodeAuthority(
                new AttestationVerifier(settings.anchors(), settings.signerDomain(), settings.scaleSet().subscriptionId(), clock),
                new NonceBook(key, settings.nonceLifetime(), clock),
                new OnFirstUse<ReplayGuard>("replay marks", ready).as(ReplayGuard.class),
                machines,
                new NodeCredentials(key, settings.credentialLifetime(), clock),
                new RateLimits(settings.joinsPerMinute(), System::nanoTime),
                new RateLimits(settings.drainsPerMinute(), System::nanoTime),
                settings.drainBounds(),
                clock);
        authority.refusals = new RefusalAudit(audit, clock);
        authority.warmUp = () -> {
            ready.get();
            storedKey.ifPresent(OnFirstUse::get);
            machines.warm();
        };
        return authority;
    }

    /**
     * Creates the trust container, reads the stored key and lists the machines now, so that the first attested join
     * pays none of it; throws what storage or ARM throws (each is tried again on its first use).
     */
    public void warm() {
        warmUp.run();
    }

    /** A nonce for the node to pass to IMDS ({@code /metadata/attested/document?nonce=...}). */
    public String nonce() {
        return nonces.issue();
    }

    /** How long an issued nonce is accepted. */
    public Duration nonceLifetime() {
        return nonces.lifetime();
    }

    /** @throws TrustRefusal when the proof is missing, does not verify, or names no machine of ours */
    public Authenticated authenticate(Proof proof) {
        if (proof.attestation().isPresent()) {
            return attested(proof.attestation().get(), proof.askedNonce());
        }
        if (proof.credential().isPresent()) {
            Machine machine = credentials.verify(proof.credential().get());
            // A credential outlives nothing: once ARM no longer lists its machine (deleted), it is refused.
            Machine current = machines.byVmId(machine.vmId())
                    .filter(found -> found.kind() == machine.kind())
                    .orElseThrow(() -> new TrustRefusal(Kind.UNKNOWN_MACHINE,
                            "the credential's machine is no longer part of this cluster", machine.describe()));
            return new Authenticated(current, Optional.empty());
        }
        throw new TrustRefusal(Kind.MISSING_PROOF, "present an IMDS attested document with a nonce from GET /api/node/nonce,"
                + " or the credential a join returned (Authorization: Bearer ...)", null);
    }

    private Authenticated attested(JsonNode attestation, Optional<String> askedNonce) {
        AttestedDocument document = verifier.verify(attestation);
        String claimed = "vmId " + document.vmId();
        // Learn: "IMDS's caching mechanism might return a previously cached nonce value". A node that asked for a
        // current nonce of ours and got a document for another is told to ask IMDS again, not refused: whatever that
        // other nonce is (expired, used, foreign), this document was not made for this request.
        if (askedNonce.isPresent() && !askedNonce.get().equals(document.nonce())
                && nonces.check(askedNonce.get()) == NonceBook.Check.CURRENT) {
            throw new TrustRefusal(Kind.RETRY_ATTESTATION, "IMDS answered with a cached document (another nonce);"
                    + " fetch the attested document again with the same nonce", claimed, RETRY_CACHED_DOCUMENT);
        }
        NonceBook.Check check = nonces.check(document.nonce());
        if (check != NonceBook.Check.CURRENT) {
            throw new TrustRefusal(Kind.UNKNOWN_NONCE, check == NonceBook.Check.EXPIRED
                    ? "the document's nonce expired; get a new one from GET /api/node/nonce"
                    : "the document's nonce was not issued by GET /api/node/nonce", claimed);
        }
        Machine machine = machines.byVmId(document.vmId()).orElseThrow(() -> new TrustRefusal(Kind.UNKNOWN_MACHINE,
                "vmId " + document.vmId() + " is neither an instance of the agents' scale set nor a manager VM", claimed));
        if (!replays.firstUse(document.nonce(), document.vmId())) {
            throw new TrustRefusal(Kind.REPLAYED, "this attested document was used already; get a new nonce",
                    machine.describe());
        }
        return new Authenticated(machine, Optional.of(credentials.issue(machine)));
    }

    /**
     * A manager forwarding the swarm's events: at most {@link #EVENTS_PER_MINUTE} calls a minute per VM (its forwarder
     * sends at most a few a second in a burst, and one check a second is all they can cause).
     *
     * @throws TrustRefusal FORBIDDEN for an agent, or RATE_LIMITED
     */
    public void admitEvents(Machine machine) {
        CallerRights.mayForwardEvents(machine);
        events.acquire(machine.vmId(), machine.describe());
    }

    /** @throws TrustRefusal FORBIDDEN (an agent asking for a manager ticket) or RATE_LIMITED */
    public void admitJoin(Machine machine, SwarmRole role) {
        CallerRights.mayJoin(machine, role);
        joins.acquire(machine.vmId(), machine.describe());
    }

    /**
     * The drain an agent may ask for itself.
     *
     * @throws TrustRefusal FORBIDDEN or RATE_LIMITED
     * @throws io.harbormaster.drain.DrainRejectedException INVALID_BODY for a malformed body
     */
    public SelfDrain admitDrain(Machine machine, String body) {
        SelfDrain drain = CallerRights.selfDrain(machine, body, clock.instant(), drainBounds);
        drains.acquire(machine.vmId(), machine.describe());
        return drain;
    }

    /**
     * The node whose terminate-notification drain the machine may call off: its own, within the drain rate.
     *
     * @throws TrustRefusal FORBIDDEN for a manager, or RATE_LIMITED
     */
    public String admitDrainCancel(Machine machine) {
        String node = CallerRights.ownNode(machine);
        drains.acquire(machine.vmId(), machine.describe());
        return node;
    }

    /**
     * A fresh credential is given only for an attestation, never for a credential: a stolen credential must not renew
     * itself. Counted with the machine's joins.
     *
     * @throws TrustRefusal MISSING_PROOF when the caller presented a credential, or RATE_LIMITED
     */
    public NodeCredentials.Issued admitCredential(Authenticated caller) {
        NodeCredentials.Issued issued = caller.credential().orElseThrow(() -> new TrustRefusal(Kind.MISSING_PROOF,
                "a new credential is issued only for an IMDS attested document, not for a credential",
                caller.machine().describe()));
        joins.acquire(caller.machine().vmId(), caller.machine().describe());
        return issued;
    }

    /** The node whose drain the machine may read: its own. @throws TrustRefusal FORBIDDEN for a manager */
    public String admitDrainRead(Machine machine) {
        return CallerRights.ownNode(machine);
    }

    /** Records a refused call: a line on the trust audit logger, and an event on the audit trail (bounded per minute). */
    public void refused(String route, TrustRefusal refusal) {
        TrustAudit.refused(route, refusal);
        refusals.record(route, refusal);
    }
}
