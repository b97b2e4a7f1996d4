package io.harbormaster.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.audit.AuditTrail;
import io.harbormaster.config.AppSettings;
import io.harbormaster.config.StorageSettings;
import io.harbormaster.scaleset.ScaleSetInstance;
import io.harbormaster.storage.StorageClients;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.testsupport.CountingStorageEndpoint;
import io.harbormaster.testsupport.InMemoryMachineDirectory;
import io.harbormaster.testsupport.InMemoryReplayGuard;
import io.harbormaster.testsupport.InMemoryScaleSet;
import io.harbormaster.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NodeAuthorityTest {
    private static final TestPki PKI = new TestPki();

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
    private final InMemoryMachineDirectory directory = new InMemoryMachineDirectory(scaleSet);
    private final InMemoryReplayGuard replays = new InMemoryReplayGuard();
    private final TrustKey key = TrustKey.generate();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final NodeAuthority authority = new NodeAuthority(
            new AttestationVerifier(PKI.anchors(), "metadata.azure.com", TestPki.SUBSCRIPTION, clock),
            new NonceBook(key, Duration.ofMinutes(2), clock),
            replays,
            new MachineIndex(directory, clock),
            new NodeCredentials(key, Duration.ofHours(1), clock),
            new RateLimits(3, nanos::get),
            new RateLimits(2, nanos::get),
            new CallerRights.DrainBounds(Duration.ofSeconds(10), Duration.ofMinutes(30), Duration.ofMinutes(10)),
            clock);
    private final ScaleSetInstance agent = scaleSet.addInstance("agent000001");

    private JsonNode attested(String nonce, String vmId) {
        return PKI.attested(TestPki.content(nonce, vmId, TestPki.SUBSCRIPTION, clock.instant(), Duration.ofHours(6)));
    }

    private NodeAuthority.Authenticated attest(JsonNode document, String askedNonce) {
        return authority.authenticate(new NodeAuthority.Proof(Optional.empty(), Optional.of(document), Optional.of(askedNonce)));
    }

    @Test
    void anAgentAttestsOnceThenUsesItsCredential() {
        String nonce = authority.nonce();
        NodeAuthority.Authenticated first = attest(attested(nonce, agent.vmId()), nonce);
        assertEquals(Machine.Kind.AGENT, first.machine().kind());
        assertEquals("agent000001", first.machine().computerName());
        assertEquals(agent.instanceId(), first.machine().instanceId());
        String credential = first.credential().orElseThrow().credential();

        NodeAuthority.Authenticated later = authority.authenticate(
                new NodeAuthority.Proof(Optional.of(credential), Optional.empty(), Optional.empty()));
        assertEquals(first.machine(), later.machine());
        assertTrue(later.credential().isEmpty(), "no new credential without a new attestation");
        authority.admitJoin(later.machine(), SwarmRole.WORKER);
        assertEquals(TrustRefusal.Kind.FORBIDDEN,
                assertThrows(TrustRefusal.class, () -> authority.admitJoin(later.machine(), SwarmRole.MANAGER)).kind());
    }

    @Test
    void aDocumentIsAcceptedOnce() {
        String nonce = authority.nonce();
        JsonNode document = attested(nonce, agent.vmId());
        attest(document, nonce);
        assertEquals(TrustRefusal.Kind.REPLAYED, assertThrows(TrustRefusal.class, () -> attest(document, nonce)).kind());
    }

    @Test
    void aCachedDocumentWithAnOlderNonceAsksForARetry() {
        String old = authority.nonce();
        JsonNode cached = attested(old, agent.vmId());
        attest(cached, old);
        for (Duration later : List.of(Duration.ofSeconds(30), Duration.ofMinutes(3))) {
            // Whether the old nonce is still current (and used) or expired: the node asked for another.
            clock.advance(later);
            String asked = authority.nonce();
            TrustRefusal refusal = assertThrows(TrustRefusal.class, () -> attest(cached, asked));
            assertEquals(TrustRefusal.Kind.RETRY_ATTESTATION, refusal.kind(), "after " + later);
            assertEquals(NodeAuthority.RETRY_CACHED_DOCUMENT, refusal.retryAfter().orElseThrow());
        }
        assertEquals(1, replays.size(), "a retry records nothing");
        // Without a current nonce of ours to show for it, the same document is refused outright.
        assertEquals(TrustRefusal.Kind.UNKNOWN_NONCE, assertThrows(TrustRefusal.class, () -> authority.authenticate(
                new NodeAuthority.Proof(Optional.empty(), Optional.of(cached), Optional.empty()))).kind());
        assertEquals(TrustRefusal.Kind.UNKNOWN_NONCE, assertThrows(TrustRefusal.class, () -> attest(cached, old)).kind());
    }

    @Test
    void aNonceWeDidNotIssueIsRefused() {
        assertEquals(TrustRefusal.Kind.UNKNOWN_NONCE,
                assertThrows(TrustRefusal.class, () -> attest(attested("20181128-001617", agent.vmId()), "20181128-001617")).kind());
        String foreign = new NonceBook(TrustKey.generate(), Duration.ofMinutes(2), clock).issue();
        TrustRefusal refusal = assertThrows(TrustRefusal.class, () -> attest(attested(foreign, agent.vmId()), foreign));
        assertTrue(refusal.kind() == TrustRefusal.Kind.UNKNOWN_NONCE, refusal.getMessage());
        assertEquals(0, replays.size());
    }

    @Test
    void aVmOutsideTheScaleSetIsRefusedAndArmIsNotFlooded() {
        String nonce = authority.nonce();
        TrustRefusal refusal = assertThrows(TrustRefusal.class,
                () -> attest(attested(nonce, "00000000-dead-beef-0000-000000000000"), nonce));
        assertEquals(TrustRefusal.Kind.UNKNOWN_MACHINE, refusal.kind());
        assertTrue(refusal.claimed().contains("00000000-dead-beef-0000-000000000000"), refusal.claimed());
        int listings = directory.listings();
        assertThrows(TrustRefusal.class, () -> attest(attested(authority.nonce(), "00000000-dead-beef-0000-000000000001"),
                "x"));
        assertEquals(listings, directory.listings(), "a second miss within 5 s lists nothing");
        assertEquals(0, replays.size(), "an unknown machine records nothing");
    }

    @Test
    void aNewInstanceIsFoundOnAMissAndADeletedOnesCredentialStopsWorking() {
        ScaleSetInstance second = scaleSet.addInstance("agent000002");
        clock.advance(MachineIndex.MIN_REFRESH);
        String nonce = authority.nonce();
        NodeAuthority.Authenticated joined = attest(attested(nonce, second.vmId()), nonce);
        scaleSet.deleteInstances(List.of(second.instanceId()));
        clock.advance(MachineIndex.MAX_AGE);
        String credential = joined.credential().orElseThrow().credential();
        assertEquals(TrustRefusal.Kind.UNKNOWN_MACHINE, assertThrows(TrustRefusal.class, () -> authority.authenticate(
                new NodeAuthority.Proof(Optional.of(credential), Optional.empty(), Optional.empty()))).kind());
    }

    @Test
    void aManagerVmGetsBothTickets() {
        directory.addManager("master0", "7b3c5e9a-0000-4000-8000-000000000001");
        String nonce = authority.nonce();
        NodeAuthority.Authenticated manager = attest(attested(nonce, "7B3C5E9A-0000-4000-8000-000000000001"), nonce);
        assertEquals(Machine.Kind.MANAGER, manager.machine().kind());
        authority.admitJoin(manager.machine(), SwarmRole.MANAGER);
        authority.admitJoin(manager.machine(), SwarmRole.WORKER);
        assertEquals(TrustRefusal.Kind.FORBIDDEN,
                assertThrows(TrustRefusal.class, () -> authority.admitDrain(manager.machine(), "")).kind());
    }

    @Test
    void joinsAndDrainsAreRateLimitedPerCaller() {
        String nonce = authority.nonce();
        Machine machine = attest(attested(nonce, agent.vmId()), nonce).machine();
        for (int i = 0; i < 3; i++) {
            authority.admitJoin(machine, SwarmRole.WORKER);
        }
        TrustRefusal refused = assertThrows(TrustRefusal.class, () -> authority.admitJoin(machine, SwarmRole.WORKER));
        assertEquals(TrustRefusal.Kind.RATE_LIMITED, refused.kind());
        assertTrue(refused.retryAfter().isPresent());
        authority.admitDrain(machine, "");
        authority.admitDrain(machine, "");
        assertEquals(TrustRefusal.Kind.RATE_LIMITED,
                assertThrows(TrustRefusal.class, () -> authority.admitDrain(machine, "")).kind());
    }

    @Test
    void noProofIsRefused() {
        assertEquals(TrustRefusal.Kind.MISSING_PROOF, assertThrows(TrustRefusal.class, () -> authority.authenticate(
                new NodeAuthority.Proof(Optional.empty(), Optional.empty(), Optional.empty()))).kind());
    }

    @Test
    void aFreshCredentialIsIssuedOnlyForAnAttestation() {
        String nonce = authority.nonce();
        NodeAuthority.Authenticated attested = attest(attested(nonce, agent.vmId()), nonce);
        NodeCredentials.Issued issued = authority.admitCredential(attested);
        assertEquals(attested.credential().orElseThrow(), issued);
        NodeAuthority.Authenticated byCredential = authority.authenticate(
                new NodeAuthority.Proof(Optional.of(issued.credential()), Optional.empty(), Optional.empty()));
        assertEquals(TrustRefusal.Kind.MISSING_PROOF,
                assertThrows(TrustRefusal.class, () -> authority.admitCredential(byCredential)).kind(),
                "a credential never renews itself");
    }

    @Test
    void anAgentCallsOffOnlyItsOwnDrainWithinItsRate() {
        directory.addManager("master0", "7b3c5e9a-0000-4000-8000-000000000001");
        String nonce = authority.nonce();
        Machine machine = attest(attested(nonce, agent.vmId()), nonce).machine();
        assertEquals("agent000001", authority.admitDrainCancel(machine));
        authority.admitDrainCancel(machine);
        assertEquals(TrustRefusal.Kind.RATE_LIMITED,
                assertThrows(TrustRefusal.class, () -> authority.admitDrainCancel(machine)).kind());
        String managerNonce = authority.nonce();
        Machine manager = attest(attested(managerNonce, "7b3c5e9a-0000-4000-8000-000000000001"), managerNonce).machine();
        assertEquals(TrustRefusal.Kind.FORBIDDEN,
                assertThrows(TrustRefusal.class, () -> authority.admitDrainCancel(manager)).kind());
    }

    @Test
    void connectingSendsNothingToStorageAndTheStoredKeyIsReadByTheFirstNonce() {
        java.util.Map<String, String> values = new java.util.HashMap<>();
        values.put("HARBORMASTER_ATTESTATION_TRUST_PEM", PKI.anchorsPem());
        values.put("HARBORMASTER_SUBSCRIPTION_ID", TestPki.SUBSCRIPTION);
        values.put("HARBORMASTER_RESOURCE_GROUP", "rg");
        values.put("HARBORMASTER_SCALE_SET_NAME", "agents");
        try (CountingStorageEndpoint storage = new CountingStorageEndpoint()) {
            StorageClients clients = StorageClients.connect(new StorageSettings(storage.connectionString()));

            values.put("HARBORMASTER_TRUST_KEY", java.util.Base64.getEncoder().encodeToString(TrustKey.generate().bytes()));
            NodeAuthority keyed = NodeAuthority.connect(TrustSettings.from(new AppSettings(values)).orElseThrow(), clients,
                    scaleSet, clock, AuditTrail.NONE);
            keyed.nonce();
            assertEquals(0, storage.requests(), "with the key in a setting, a nonce needs no storage");

            values.remove("HARBORMASTER_TRUST_KEY");
            NodeAuthority stored = NodeAuthority.connect(TrustSettings.from(new AppSettings(values)).orElseThrow(), clients,
                    scaleSet, clock, AuditTrail.NONE);
            assertEquals(0, storage.requests(), "connecting sent nothing");
            // The stand-in creates the container and the key blob but has no key to read back: the nonce fails, as
            // it would while storage is down, and only then has anything been sent.
            assertThrows(RuntimeException.class, stored::nonce);
            assertTrue(storage.requests() >= 2, "container and key: " + storage.requests());
        }
    }
}
