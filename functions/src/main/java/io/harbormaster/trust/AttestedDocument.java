package io.harbormaster.trust;

import java.time.Instant;
import java.util.Objects;

/**
 * The signed content of an IMDS attested document (Learn, "Azure Instance Metadata Service", attested data), as read
 * once its signature verified. {@code sku} and {@code licenseType} are empty where IMDS leaves them out.
 */
public record AttestedDocument(
        String nonce,
        String vmId,
        String subscriptionId,
        Instant createdOn,
        Instant expiresOn,
        Plan plan,
        String sku,
        String licenseType) {

    /** The Marketplace plan; all three fields are empty for images that are not from the Marketplace. */
    public record Plan(String name, String product, String publisher) {
    }

    public AttestedDocument {
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(createdOn, "createdOn");
        Objects.requireNonNull(expiresOn, "expiresOn");
    }
}
