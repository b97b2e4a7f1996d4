package io.harbormaster.emulator.imds;

import java.net.InetAddress;
import java.util.Optional;

/** What the emulated Instance Metadata Service asks of the emulated cloud: who is calling, and its scheduled events. */
public interface ImdsBackend {
    /** The VM whose node has this address, as IMDS knows its caller by the link it arrives on; empty for a stranger. */
    Optional<VmMetadata> vmAt(InetAddress caller);

    /** The scheduled events document as this VM sees it: events whose Resources name it, and their incarnation. */
    EventsDocument scheduledEvents(VmMetadata vm);

    /**
     * Approves an event (a StartRequests entry) on behalf of every VM it names, as Azure does.
     *
     * @return false when no current event of this VM has that id
     */
    boolean approve(VmMetadata vm, String eventId);
}
