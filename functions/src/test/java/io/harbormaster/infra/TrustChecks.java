package io.harbormaster.infra;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.infra.ArmExpression.Call;
import io.harbormaster.infra.ArmExpression.Literal;
import io.harbormaster.infra.ArmExpression.Property;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The checks that keep the function app's keys in the app and identities off the nodes (issue 11: nodes hold no
 * shared secret, they prove who they are with their attested document). Each returns the problems it found.
 */
final class TrustChecks {
    /** Types (lower case) that hold or create a secret: a Key Vault and what is in it, the app's named keys. */
    private static final Set<String> SECRET_SEGMENTS = Set.of("secrets", "keys", "functionkeys", "systemkeys");
    /** The properties of Microsoft.Web/sites/host's listKeys() answer: every one of them opens every function. */
    private static final Set<String> HOST_KEY_PROPERTIES = Set.of("masterkey", "functionkeys", "systemkeys");
    private static final Set<String> RESOURCE_ID_FUNCTIONS =
            Set.of("resourceid", "subscriptionresourceid", "tenantresourceid", "extensionresourceid");

    private TrustChecks() {
    }

    /** Resources, in every scope, that hold or create a secret: Key Vault vaults and secrets, the app's named keys. */
    static List<String> secretResources(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            for (ArmTemplate.Resource resource : scope.resources) {
                String type = resource.type().toLowerCase(Locale.ROOT);
                List<String> segments = List.of(type.split("/"));
                if (type.startsWith("microsoft.keyvault/") || segments.subList(1, segments.size()).stream().anyMatch(SECRET_SEGMENTS::contains)) {
                    problems.add(scope.label + " declares " + resource.type() + " " + resource.name());
                }
            }
        }
        return problems;
    }

    /**
     * Every list*() call on a Microsoft.Web resource (the app's keys, secrets and publishing credentials), in every
     * scope, but one: the autoscale function's own default key in an autoscale setting's webhooks. That key opens the
     * autoscale function only; any other read would carry a key of the app out of it.
     */
    static List<String> appKeyReads(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            for (ArmTemplate.Use use : scope.uses) {
                ArmExpression expression = TemplateChecks.inlineVariables(scope, use.expression(), 0);
                Map<Call, String> propertyRead = propertiesReadOffCalls(expression);
                expression.walk(node -> {
                    if (!(node instanceof Call call) || !isListCall(call)) {
                        return;
                    }
                    String where = scope.label + " " + use.path() + ": " + call.text();
                    Optional<String> type = resourceType(call.args().get(0));
                    if (type.isEmpty()) {
                        problems.add(where + " lists the keys of a resource whose type the template does not spell out");
                        return;
                    }
                    if (!type.get().toLowerCase(Locale.ROOT).startsWith("microsoft.web/")) {
                        return;
                    }
                    boolean autoscaleKey = call.name().equalsIgnoreCase("listKeys")
                            && type.get().equalsIgnoreCase("Microsoft.Web/sites/functions")
                            && lastName(call.args().get(0)).filter("autoscale"::equals).isPresent()
                            && "default".equals(propertyRead.get(call))
                            && use.path().matches(".*\\.notifications\\[\\d+]\\.webhooks");
                    if (!autoscaleKey) {
                        problems.add(where + " reads a key of the function app" + (propertyRead.containsKey(call)
                                ? " (." + propertyRead.get(call) + ")" : "") + "; only the autoscale webhook may carry the autoscale function's own key");
                    }
                });
            }
        }
        return problems;
    }

    /**
     * Outputs, in every scope, whose value is computed from a key or a secret: a list*() call, a secure parameter,
     * a host key property, or a reference() to a Key Vault secret. Variables are inlined, so nothing hides in one.
     */
    static List<String> outputsCarryingKeys(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            scope.root.path("outputs").fields().forEachRemaining(output -> ArmTemplate.forEachNode(output.getValue(), "$", (path, node) -> {
                if (!node.isTextual() || !ArmExpression.isExpression(node.asText())) {
                    return;
                }
                String where = scope.label + " output " + output.getKey() + ": ";
                TemplateChecks.inlineVariables(scope, ArmExpression.parse(node.asText()), 0).walk(part -> {
                    if (part instanceof Call call && isListCall(call)) {
                        problems.add(where + call.text());
                    }
                    if (part instanceof Call call && call.name().equalsIgnoreCase("parameters") && !call.args().isEmpty()
                            && call.args().get(0) instanceof Literal name
                            && scope.parameterType(name.value()).toLowerCase(Locale.ROOT).startsWith("secure")) {
                        problems.add(where + "the secure parameter " + name.value());
                    }
                    if (part instanceof Property property && HOST_KEY_PROPERTIES.contains(property.name().toLowerCase(Locale.ROOT))) {
                        problems.add(where + property.text());
                    }
                    if (part instanceof Call call && call.name().equalsIgnoreCase("reference") && !call.args().isEmpty()
                            && resourceType(call.args().get(0)).map(t -> t.toLowerCase(Locale.ROOT)).filter(t -> t.startsWith("microsoft.keyvault/")
                                    || t.startsWith("microsoft.web/sites/host")).isPresent()) {
                        problems.add(where + call.text());
                    }
                });
            }));
        }
        return problems;
    }

    /** Virtual machines and scale sets, in every scope, that carry a managed identity, and user-assigned identities declared. */
    static List<String> nodeIdentities(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            for (ArmTemplate.Resource resource : scope.resources) {
                String type = resource.type().toLowerCase(Locale.ROOT);
                if (type.equals("microsoft.compute/virtualmachines") || type.equals("microsoft.compute/virtualmachinescalesets")) {
                    JsonNode identity = resource.node().path("identity");
                    if (!identity.isMissingNode() && !identity.path("type").asText().equalsIgnoreCase("None")) {
                        problems.add(scope.label + " " + resource.type() + " " + resource.name() + " has the identity " + identity);
                    }
                }
                if (type.equals("microsoft.managedidentity/userassignedidentities")) {
                    problems.add(scope.label + " declares the identity " + resource.name());
                }
            }
        }
        return problems;
    }

    /**
     * Role assignments, in every scope, to anyone but {@code principal} (an expression of the top scope), or on a
     * Key Vault. A nested template's parameters('x') is read as the value its deployment passes in.
     */
    static List<String> roleAssignmentsToOthers(ArmTemplate template, String principal) {
        String expected = TemplateChecks.inlineVariables(template, ArmExpression.parse(principal), 0).text();
        List<String> problems = new ArrayList<>();
        collectRoleAssignments(template, Map.of(), expected, problems);
        return problems;
    }

    private static void collectRoleAssignments(ArmTemplate scope, Map<String, ArmExpression> passedIn, String expected, List<String> problems) {
        int nestedIndex = 0;
        for (ArmTemplate.Resource resource : scope.resources) {
            JsonNode node = resource.node();
            if (resource.type().equalsIgnoreCase("Microsoft.Authorization/roleAssignments")) {
                String principal = resolve(scope, node.path("properties").path("principalId").asText(), passedIn).text();
                if (!principal.equals(expected)) {
                    problems.add(scope.label + " assigns " + node.path("properties").path("roleDefinitionId").asText() + " to " + principal);
                }
                String where = node.path("scope").asText() + " " + node.path("properties").path("roleDefinitionId").asText();
                if (where.toLowerCase(Locale.ROOT).contains("microsoft.keyvault")) {
                    problems.add(scope.label + " assigns a role on a Key Vault: " + where);
                }
            }
            boolean inner = resource.type().equalsIgnoreCase("Microsoft.Resources/deployments")
                    && "inner".equalsIgnoreCase(node.path("properties").path("expressionEvaluationOptions").path("scope").asText());
            if (inner) {
                Map<String, ArmExpression> passed = new HashMap<>();
                node.path("properties").path("parameters").fields().forEachRemaining(parameter ->
                        passed.put(parameter.getKey(), resolve(scope, parameter.getValue().path("value").asText(), passedIn)));
                collectRoleAssignments(scope.nested.get(nestedIndex++), passed, expected, problems);
            }
        }
    }

    /** The expression with this scope's variables inlined and parameters('x') replaced by what was passed in for x. */
    private static ArmExpression resolve(ArmTemplate scope, String text, Map<String, ArmExpression> passedIn) {
        ArmExpression expression = ArmExpression.isExpression(text) ? ArmExpression.parse(text) : new Literal(text);
        return substituteParameters(TemplateChecks.inlineVariables(scope, expression, 0), passedIn);
    }

    private static ArmExpression substituteParameters(ArmExpression expression, Map<String, ArmExpression> passedIn) {
        if (expression instanceof Call call) {
            if (call.name().equalsIgnoreCase("parameters") && call.args().size() == 1 && call.args().get(0) instanceof Literal name
                    && passedIn.containsKey(name.value())) {
                return passedIn.get(name.value());
            }
            return new Call(call.name(), call.args().stream().map(arg -> substituteParameters(arg, passedIn)).toList());
        }
        if (expression instanceof Property property) {
            return new Property(substituteParameters(property.target(), passedIn), property.name());
        }
        if (expression instanceof ArmExpression.Index index) {
            return new ArmExpression.Index(substituteParameters(index.target(), passedIn), substituteParameters(index.index(), passedIn));
        }
        return expression;
    }

    private static boolean isListCall(Call call) {
        return call.name().toLowerCase(Locale.ROOT).startsWith("list") && !call.args().isEmpty();
    }

    /** For each call whose result is read with .name, that name: listKeys(...).default gives "default". */
    private static Map<Call, String> propertiesReadOffCalls(ArmExpression expression) {
        Map<Call, String> read = new IdentityHashMap<>();
        expression.walk(node -> {
            if (node instanceof Property property && property.target() instanceof Call call) {
                read.put(call, property.name());
            }
        });
        return read;
    }

    /** The literal resource type of a resourceId()-like call, if the argument is one. */
    private static Optional<String> resourceType(ArmExpression id) {
        if (id instanceof Call call && RESOURCE_ID_FUNCTIONS.contains(call.name().toLowerCase(Locale.ROOT))) {
            return call.args().stream().filter(arg -> arg instanceof Literal literal && ArmTemplate.isResourceType(literal.value()))
                    .map(arg -> ((Literal) arg).value()).findFirst();
        }
        return Optional.empty();
    }

    /** The last name segment of a resourceId()-like call, when it is a literal. */
    private static Optional<String> lastName(ArmExpression id) {
        if (id instanceof Call call && !call.args().isEmpty() && call.args().get(call.args().size() - 1) instanceof Literal literal) {
            return Optional.of(literal.value());
        }
        return Optional.empty();
    }
}
