package io.harbormaster.emulator.imds;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory cloud for tests of IMDS and its clients: VMs by address, one shared list of events, approvals recorded. */
public final class FakeImdsBackend implements ImdsBackend {
    private final Map<InetAddress, VmMetadata> vms = new ConcurrentHashMap<>();
    private final List<String> approvals = Collections.synchronizedList(new ArrayList<>());
    private volatile EventsDocument events = new EventsDocument(1, List.of());

    public static VmMetadata vm(String name, String vmId) {
        return new VmMetadata(name, "hm" + vmId.substring(0, 4), vmId, "11111111-2222-3333-4444-555555555555", "rg-harbormaster",
                "westeurope", "ss", "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-harbormaster"
                        + "/providers/Microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/" + name.substring(name.indexOf('_') + 1),
                "Standard_B2s", "2", "Spot", "Delete", Map.of("role", "worker", "pool", "spot"));
    }

    public FakeImdsBackend add(String address, VmMetadata vm) throws java.net.UnknownHostException {
        vms.put(InetAddress.getByName(address), vm);
        return this;
    }

    public void events(EventsDocument document) {
        events = document;
    }

    /** "vmName:eventId" for each approval that reached the backend. */
    public List<String> approvals() {
        synchronized (approvals) {
            return List.copyOf(approvals);
        }
    }

    @Override
    public Optional<VmMetadata> vmAt(InetAddress caller) {
        return Optional.ofNullable(vms.get(caller));
    }

    @Override
    public EventsDocument scheduledEvents(VmMetadata vm) {
        EventsDocument all = events;
        return new EventsDocument(all.documentIncarnation(),
                all.events().stream().filter(event -> event.resources().contains(vm.name())).toList());
    }

    @Override
    public boolean approve(VmMetadata vm, String eventId) {
        boolean known = scheduledEvents(vm).events().stream().anyMatch(event -> event.eventId().equals(eventId));
        if (known) {
            approvals.add(vm.name() + ":" + eventId);
        }
        return known;
    }
}
