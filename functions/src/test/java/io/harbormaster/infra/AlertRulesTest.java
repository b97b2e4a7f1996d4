package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.metrics.ControlPlaneMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** infra/functions.json's alert rules: the five the operator is told of, on metrics the code records, to one action group. */
class AlertRulesTest {
    private static final Pattern METRIC = Pattern.compile("name == '([a-z.]+)'");

    private static JsonNode template() throws IOException {
        return ArmTemplate.JSON.readTree(InfraFiles.path("infra/functions.json").toFile());
    }

    @Test
    void theFiveAlertsEachQueryAMetricTheControlPlaneRecords() throws IOException {
        JsonNode rules = template().path("variables").path("alertRules");
        List<String> names = new ArrayList<>();
        for (JsonNode rule : rules) {
            names.add(rule.path("name").asText());
            Matcher metric = METRIC.matcher(rule.path("query").asText());
            assertTrue(metric.find(), rule.path("name").asText() + " queries one metric");
            assertTrue(ControlPlaneMetrics.INSTRUMENTS.contains(metric.group(1)),
                    rule.path("name").asText() + " queries " + metric.group(1) + ", which the code does not record");
            assertTrue(rule.path("query").asText().startsWith("customMetrics | "), "Application Insights' custom metrics");
            assertTrue(Set.of("Minimum", "Total").contains(rule.path("aggregation").asText()));
            assertTrue(rule.path("query").asText().endsWith("project timestamp, " + rule.path("column").asText()),
                    rule.path("name").asText() + " projects the column it measures");
        }
        assertEquals(List.of("pending-at-maximum", "drain-failed-or-timed-out", "guard-tripped", "capacity-checks-failing",
                "refused-joins-spike"), names);
        // The drain alert names the states the drain worker records, as their wire names.
        assertTrue(rules.get(1).path("query").asText().contains("in ('failed', 'timed-out')"));
        assertEquals("failed", io.harbormaster.drain.DrainState.FAILED.wireName());
        assertEquals("timed-out", io.harbormaster.drain.DrainState.TIMED_OUT.wireName());
        assertEquals("[parameters('refusedJoinsAlertThreshold')]", rules.get(4).path("threshold").asText());
    }

    @Test
    void everyRuleNotifiesTheOneActionGroupWhoseReceiversAreParameters() throws IOException {
        JsonNode group = null;
        JsonNode rule = null;
        for (JsonNode resource : template().path("resources")) {
            if (resource.path("type").asText().equals("Microsoft.Insights/actionGroups")) {
                group = resource;
            }
            if (resource.path("type").asText().equals("Microsoft.Insights/scheduledQueryRules")) {
                rule = resource;
            }
        }
        assertTrue(group != null && rule != null, "an action group and the rules");
        assertTrue(group.path("properties").path("emailReceivers").asText().contains("parameters('alertEmail')"));
        assertTrue(group.path("properties").path("webhookReceivers").asText().contains("parameters('alertWebhookUrl')"));
        assertTrue(group.path("properties").path("groupShortName").asText().length() <= 12, "ARM's limit");
        assertEquals("[length(variables('alertRules'))]", rule.path("copy").path("count").asText());
        assertEquals("[resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))]",
                rule.path("properties").path("actions").path("actionGroups").get(0).asText());
        assertEquals("[resourceId('Microsoft.Insights/components', variables('appInsightsName'))]",
                rule.path("properties").path("scopes").get(0).asText());
    }
}
