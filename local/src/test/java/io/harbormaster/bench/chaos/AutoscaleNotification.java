package io.harbormaster.bench.chaos;

/**
 * Azure Monitor's autoscale notification, as the Learn page "Use autoscale actions to send email and webhook alert
 * notifications" shows it, for one scale set.
 */
final class AutoscaleNotification {
    private AutoscaleNotification() {
    }

    static String forResource(String resourceId) {
        String[] parts = resourceId.split("/");
        return """
                {"version": "1.0",
                 "status": "Activated",
                 "operation": "Scale Out",
                 "context": {
                   "timestamp": "2026-12-06T05:18:44.7591834Z",
                   "id": "/subscriptions/%1$s/resourceGroups/%2$s/providers/microsoft.insights/autoscalesettings/agents-autoscale",
                   "name": "agents-autoscale",
                   "details": "Autoscale successfully started scale operation for resource '%3$s' from capacity '2' to capacity '3'",
                   "subscriptionId": "%1$s",
                   "resourceGroupName": "%2$s",
                   "resourceName": "%3$s",
                   "resourceType": "microsoft.compute/virtualmachinescalesets",
                   "resourceId": "%4$s",
                   "portalLink": "https://portal.azure.com/#resource%4$s",
                   "resourceRegion": "westeurope",
                   "oldCapacity": "2",
                   "newCapacity": "3"
                 },
                 "properties": {}}
                """.formatted(parts[2], parts[4], parts[parts.length - 1], resourceId);
    }
}
