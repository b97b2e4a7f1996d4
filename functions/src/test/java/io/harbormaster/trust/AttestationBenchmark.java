package io.harbormaster.trust;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.testsupport.InMemoryMachineDirectory;
import io.harbormaster.testsupport.InMemoryReplayGuard;
import io.harbormaster.testsupport.InMemoryScaleSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What one attestation costs the control plane's CPU, apart from storage and ARM: the first verification (chain built
 * by PKIX), later ones (chain cached), the whole authentication with an in-memory replay guard and machine map, and a
 * credential check (what a steady-state join presents). Documents are signed in advance, one per run. Prints median,
 * p99 and max in microseconds. Usage: bench/attestation.sh [runs].
 */
public final class AttestationBenchmark {
    private AttestationBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Clock clock = Clock.systemUTC();
        TestPki pki = new TestPki();
        InMemoryScaleSet scaleSet = new InMemoryScaleSet("agents", clock);
        String vmId = scaleSet.addInstance("agent000001").vmId();
        TrustKey key = TrustKey.generate();
        NonceBook nonces = new NonceBook(key, Duration.ofMinutes(2), clock);
        NodeCredentials credentials = new NodeCredentials(key, Duration.ofHours(1), clock);
        NodeAuthority authority = new NodeAuthority(
                new AttestationVerifier(pki.anchors(), "metadata.azure.com", TestPki.SUBSCRIPTION, clock), nonces,
                new InMemoryReplayGuard(), new MachineIndex(new InMemoryMachineDirectory(scaleSet), clock), credentials,
                new RateLimits(600, System::nanoTime), new RateLimits(600, System::nanoTime),
                new CallerRights.DrainBounds(Duration.ofSeconds(10), Duration.ofMinutes(30), Duration.ofMinutes(10)), clock);

        System.out.printf("signing %d documents in advance...%n", runs + 1);
        List<JsonNode> documents = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        for (int i = 0; i <= runs; i++) {
            String nonce = nonces.issue();
            asked.add(nonce);
            // Azure's shape: no signed attributes, the digest named sha256WithRSAEncryption.
            documents.add(TestPki.attested(TestPki.content(nonce, vmId, TestPki.SUBSCRIPTION, clock.instant(),
                    Duration.ofHours(6)), pki.signerKeys.getPrivate(), pki.signer, true));
        }
        AttestationVerifier cold = new AttestationVerifier(pki.anchors(), "metadata.azure.com", TestPki.SUBSCRIPTION, clock);
        long start = System.nanoTime();
        cold.verify(documents.get(0));
        System.out.printf("first verification in a fresh verifier (chain built): %d us%n", (System.nanoTime() - start) / 1000);

        long[] verify = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            cold.verify(documents.get(i + 1));
            verify[i] = System.nanoTime() - t;
        }
        report("verification, chain cached", verify);

        long[] authenticate = new long[runs];
        int served = 0;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            try {
                authority.authenticate(new NodeAuthority.Proof(Optional.empty(), Optional.of(documents.get(i + 1)),
                        Optional.of(asked.get(i + 1))));
                served++;
            } catch (TrustRefusal refusal) {
                // Same nonce and vmId as an earlier document: a replay, refused after the same work.
            }
            authenticate[i] = System.nanoTime() - t;
        }
        report("authentication by attestation (+ credential issued; " + served + " served, the rest replays)", authenticate);

        String credential = credentials.issue(new Machine(Machine.Kind.AGENT, vmId, "agent000001", "agent000001", "0"))
                .credential();
        long[] bearer = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            authority.authenticate(new NodeAuthority.Proof(Optional.of(credential), Optional.empty(), Optional.empty()));
            bearer[i] = System.nanoTime() - t;
        }
        report("authentication by credential", bearer);
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%s: median %d us, p99 %d us, max %d us (%d runs)%n", what, sorted[sorted.length / 2] / 1000,
                sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] / 1000,
                sorted[sorted.length - 1] / 1000, sorted.length);
    }
}
