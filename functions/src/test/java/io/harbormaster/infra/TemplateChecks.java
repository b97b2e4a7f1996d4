package io.harbormaster.infra;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbormaster.infra.ArmExpression.Call;
import io.harbormaster.infra.ArmExpression.Literal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/** The checks our templates must pass; each returns the problems it found, empty when there are none. */
final class TemplateChecks {
    private static final Set<String> SECRET_WORDS =
            Set.of("key", "password", "pwd", "passphrase", "secret", "cert", "certificate", "token", "pem", "credential", "credentials");
    /** A last word that makes the parameter the name or address of a secret, not the secret itself. */
    private static final Set<String> NOT_A_SECRET_ENDING =
            Set.of("name", "names", "id", "uri", "url", "count", "timeout", "path", "file", "vault", "lifetime", "rotation");

    private TemplateChecks() {
    }

    /** Every parameters(), variables(), resourceId(), reference() and copyIndex() resolves in its scope. */
    static List<String> unresolvedReferences(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            problems.addAll(scope.parseProblems);
            Set<String> parameters = scope.parameterNames();
            Set<String> variables = scope.variableNames();
            for (ArmTemplate.Use use : scope.uses) {
                use.expression().walk(node -> {
                    if (!(node instanceof Call call)) {
                        return;
                    }
                    String where = scope.label + " " + use.path() + ": ";
                    switch (call.name().toLowerCase(Locale.ROOT)) {
                        case "parameters" -> literalArg(call, 0).filter(name -> !parameters.contains(name))
                                .ifPresent(name -> problems.add(where + "parameters('" + name + "') is not declared"));
                        case "variables" -> literalArg(call, 0).filter(name -> !variables.contains(name))
                                .ifPresent(name -> problems.add(where + "variables('" + name + "') is not declared"));
                        case "copyindex" -> literalArg(call, 0).filter(name -> !scope.copyNames.contains(name))
                                .ifPresent(name -> problems.add(where + "copyIndex('" + name + "') names no copy loop"));
                        case "resourceid" -> checkResourceId(scope, call).ifPresent(problem -> problems.add(where + problem));
                        case "reference" -> checkReference(scope, call).ifPresent(problem -> problems.add(where + problem));
                        default -> {
                        }
                    }
                });
            }
            for (String dependency : scope.plainDependsOn) {
                boolean known = scope.copyNames.contains(dependency)
                        || scope.resources.stream().anyMatch(resource -> resource.name().equals(dependency));
                if (!known) {
                    problems.add(scope.label + " dependsOn '" + dependency + "' names no resource or copy loop");
                }
            }
        }
        return problems;
    }

    private static Optional<String> checkResourceId(ArmTemplate scope, Call call) {
        int typeAt = -1;
        for (int i = 0; i < call.args().size(); i++) {
            if (call.args().get(i) instanceof Literal literal && ArmTemplate.isResourceType(literal.value())) {
                typeAt = i;
                break;
            }
        }
        if (typeAt < 0) {
            return Optional.of(call.text() + " has no literal resource type");
        }
        String type = ((Literal) call.args().get(typeAt)).value();
        List<String> segments = call.args().subList(typeAt + 1, call.args().size()).stream()
                .map(ArmExpression::text).map(TemplateChecks::normalise).toList();
        int typeDepth = type.split("/").length - 1;
        if (segments.size() != typeDepth) {
            return Optional.of(call.text() + " gives " + segments.size() + " name segment(s) for " + type + ", which needs " + typeDepth);
        }
        List<ArmTemplate.Resource> sameType = scope.resources.stream().filter(r -> r.type().equalsIgnoreCase(type)).toList();
        if (!sameType.isEmpty()) {
            boolean found = sameType.stream().anyMatch(resource -> nameSegments(resource.name()).equals(segments));
            return found ? Optional.empty()
                    : Optional.of(call.text() + " names no " + type + " declared here (declared: "
                            + sameType.stream().map(ArmTemplate.Resource::name).toList() + ")");
        }
        // A child declared inline in its parent (subnets, probes, frontend IP configurations...).
        String parentType = type.substring(0, type.lastIndexOf('/'));
        List<ArmTemplate.Resource> parents = scope.resources.stream().filter(r -> r.type().equalsIgnoreCase(parentType)).toList();
        if (parents.isEmpty()) {
            return Optional.empty(); // an existing resource deployed elsewhere: nothing here to check it against
        }
        List<String> parentSegments = segments.subList(0, segments.size() - 1);
        String childName = segments.get(segments.size() - 1);
        for (ArmTemplate.Resource parent : parents) {
            if (nameSegments(parent.name()).equals(parentSegments) && declaresChildNamed(parent.node(), childName)) {
                return Optional.empty();
            }
        }
        return Optional.of(call.text() + " names no " + type + " declared inside a " + parentType + " here");
    }

    private static Optional<String> checkReference(ArmTemplate scope, Call call) {
        if (call.args().isEmpty()) {
            return Optional.of("reference() without arguments");
        }
        if (call.args().get(0) instanceof Literal literal && !literal.value().startsWith("/")) {
            boolean declared = scope.resources.stream().anyMatch(resource -> resource.name().equals(literal.value()));
            return declared ? Optional.empty() : Optional.of(call.text() + " names no resource declared here");
        }
        return Optional.empty(); // resourceId() and variables() arguments are checked on their own
    }

    private static boolean declaresChildNamed(JsonNode parent, String normalisedName) {
        AtomicBoolean found = new AtomicBoolean();
        ArmTemplate.forEachNode(parent.path("properties"), "$", (path, node) -> {
            if (node.isObject() && node.path("name").isTextual()
                    && nameSegments(node.path("name").asText()).equals(List.of(normalisedName))) {
                found.set(true);
            }
        });
        return found.get();
    }

    /** The name of a declared resource as normalised segments, comparable with resourceId()'s name arguments. */
    static List<String> nameSegments(String declaredName) {
        if (!ArmExpression.isExpression(declaredName)) {
            return Arrays.stream(declaredName.split("/")).map(part -> normalise(new Literal(part).text())).toList();
        }
        ArmExpression expression = ArmExpression.parse(declaredName);
        if (expression instanceof Call call && call.name().equalsIgnoreCase("format")
                && !call.args().isEmpty() && call.args().get(0) instanceof Literal pattern && pattern.value().contains("/")) {
            List<String> segments = new ArrayList<>();
            for (String part : pattern.value().split("/")) {
                if (part.matches("\\{\\d+}")) {
                    segments.add(normalise(call.args().get(1 + Integer.parseInt(part.substring(1, part.length() - 1))).text()));
                } else if (!part.contains("{")) {
                    segments.add(normalise(new Literal(part).text()));
                } else {
                    segments.add(normalise("format(" + new Literal(part).text() + ")"));
                }
            }
            return segments;
        }
        return List.of(normalise(expression.text()));
    }

    /** Inside a copy loop a name uses copyIndex(); a reference from outside uses a number: both read as #. */
    private static String normalise(String text) {
        return text.replaceAll("copyindex\\([^()]*\\)", "#").replaceAll("(?<=[(\\[] ?|, )\\d+(?=[),\\]])", "#");
    }

    private static Optional<String> literalArg(Call call, int index) {
        return call.args().size() > index && call.args().get(index) instanceof Literal literal
                ? Optional.of(literal.value()) : Optional.empty();
    }

    /** apiVersions of every resource, in every scope: present, and none a preview. */
    static List<String> apiVersionProblems(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            for (ArmTemplate.Resource resource : scope.resources) {
                String apiVersion = resource.node().path("apiVersion").asText("");
                if (!apiVersion.matches("\\d{4}-\\d{2}-\\d{2}")) {
                    problems.add(scope.label + " " + resource.type() + " " + resource.name() + " has apiVersion '" + apiVersion + "'");
                }
            }
            for (ArmTemplate.Use use : scope.uses) {
                use.expression().walk(node -> {
                    if (node instanceof Literal literal && literal.value().toLowerCase(Locale.ROOT).contains("preview")) {
                        problems.add(scope.label + " " + use.path() + " uses '" + literal.value() + "'");
                    }
                });
            }
        }
        return problems;
    }

    /** Whether a parameter's name says it holds a secret (dockerTlsKeyPem), rather than naming one (keyVaultName). */
    static boolean looksSecret(String parameterName) {
        List<String> words = Arrays.stream(parameterName.split("(?<=[a-z0-9])(?=[A-Z])|_|-"))
                .map(word -> word.toLowerCase(Locale.ROOT)).toList();
        if (words.stream().noneMatch(SECRET_WORDS::contains)) {
            return false;
        }
        if (NOT_A_SECRET_ENDING.contains(words.get(words.size() - 1))) {
            return false;
        }
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("public") && words.get(i + 1).equals("key")) {
                return false;
            }
        }
        return true;
    }

    /** Parameters named like secrets are securestring or secureObject, in every scope. */
    static List<String> insecureSecretParameters(ArmTemplate template) {
        List<String> problems = new ArrayList<>();
        for (ArmTemplate scope : template.allScopes()) {
            for (String name : scope.parameterNames()) {
                String type = scope.parameterType(name).toLowerCase(Locale.ROOT);
                if (looksSecret(name) && !type.equals("securestring") && !type.equals("secureobject")) {
                    problems.add(scope.label + " parameter " + name + " is a " + scope.parameterType(name) + ", not a securestring");
                }
                // An empty default is no secret: it turns the feature off (no alert webhook).
                if ((type.equals("securestring") || type.equals("secureobject")) && scope.parameters().path(name).has("defaultValue")
                        && !ArmExpression.isExpression(scope.parameters().path(name).path("defaultValue").asText("["))
                        && !scope.parameters().path(name).path("defaultValue").asText("[").isEmpty()) {
                    problems.add(scope.label + " secure parameter " + name + " has a literal default value");
                }
            }
            scope.root.path("outputs").fields().forEachRemaining(output -> ArmTemplate.forEachNode(output.getValue(), "$", (path, node) -> {
                if (node.isTextual() && ArmExpression.isExpression(node.asText())) {
                    ArmExpression.parse(node.asText()).walk(part -> {
                        if (part instanceof Call call && (call.name().toLowerCase(Locale.ROOT).startsWith("list")
                                || (call.name().equalsIgnoreCase("parameters") && literalArg(call, 0)
                                        .map(p -> scope.parameterType(p).toLowerCase(Locale.ROOT).startsWith("secure")).orElse(false)))) {
                            problems.add(scope.label + " output " + output.getKey() + " exposes a secret: " + call.text());
                        }
                    });
                }
            }));
        }
        return problems;
    }

    /** Whether an app setting's name says its value is a secret. */
    static boolean secretSetting(String settingName) {
        // How long a secret lives or how often it changes (HARBORMASTER_JOIN_TOKEN_ROTATION) is not the secret.
        if (settingName.toUpperCase(Locale.ROOT).matches(".*_(ROTATION|LIFETIME)")) {
            return false;
        }
        return settingName.toUpperCase(Locale.ROOT).matches(".*(KEY|PEM|PASSWORD|SECRET|TOKEN|CERT|CONNECTION_?STRING|STORAGE).*");
    }

    /**
     * A secret app setting's value must be computed from a secret source (listKeys(), reference(), a secure
     * parameter or a Key Vault reference), never written into the template.
     */
    static Optional<String> secretSettingProblem(ArmTemplate template, String name, JsonNode value) {
        if (!value.isTextual() || !ArmExpression.isExpression(value.asText())) {
            return Optional.of(name + " is the plain literal " + (value.isTextual() ? "'" + value.asText() + "'" : value.toString()));
        }
        ArmExpression expression = inlineVariables(template, ArmExpression.parse(value.asText()), 0);
        if (expression instanceof Literal) {
            return Optional.of(name + " is an expression that is only a literal");
        }
        AtomicBoolean secretSource = new AtomicBoolean();
        expression.walk(node -> {
            if (node instanceof Call call) {
                String function = call.name().toLowerCase(Locale.ROOT);
                if (function.startsWith("list") || function.equals("reference")) {
                    secretSource.set(true);
                }
                if (function.equals("parameters") && literalArg(call, 0)
                        .map(p -> template.parameterType(p).toLowerCase(Locale.ROOT).startsWith("secure")).orElse(false)) {
                    secretSource.set(true);
                }
            }
            if (node instanceof Literal literal && literal.value().startsWith("@Microsoft.KeyVault(")) {
                secretSource.set(true);
            }
        });
        return secretSource.get() ? Optional.empty()
                : Optional.of(name + " = " + value.asText() + " comes from no Key Vault reference, secure parameter, listKeys() or reference()");
    }

    /** Whether the setting's value is a Key Vault reference or a secure parameter. */
    static boolean keyVaultOrSecureParameter(ArmTemplate template, JsonNode value) {
        if (!value.isTextual() || !ArmExpression.isExpression(value.asText())) {
            return false;
        }
        AtomicBoolean ok = new AtomicBoolean();
        inlineVariables(template, ArmExpression.parse(value.asText()), 0).walk(node -> {
            if (node instanceof Call call && call.name().equalsIgnoreCase("format") && call.args().get(0) instanceof Literal pattern
                    && pattern.value().startsWith("@Microsoft.KeyVault(") && pattern.value().matches(".*(SecretUri=|SecretName=).*")) {
                ok.set(true);
            }
            if (node instanceof Call call && call.name().equalsIgnoreCase("parameters") && literalArg(call, 0)
                    .map(p -> template.parameterType(p).equalsIgnoreCase("securestring")).orElse(false)) {
                ok.set(true);
            }
        });
        return ok.get();
    }

    /** Replaces variables('x') by x's own expression, so that a check sees where a value comes from. */
    static ArmExpression inlineVariables(ArmTemplate template, ArmExpression expression, int depth) {
        if (depth > 10) {
            return expression;
        }
        if (expression instanceof Call call && call.name().equalsIgnoreCase("variables") && literalArg(call, 0).isPresent()) {
            JsonNode variable = template.root.path("variables").path(literalArg(call, 0).get());
            if (variable.isTextual()) {
                ArmExpression inner = ArmExpression.isExpression(variable.asText())
                        ? ArmExpression.parse(variable.asText()) : new Literal(variable.asText());
                return inlineVariables(template, inner, depth + 1);
            }
            return expression;
        }
        if (expression instanceof Call call) {
            return new Call(call.name(), call.args().stream().map(arg -> inlineVariables(template, arg, depth + 1)).toList());
        }
        if (expression instanceof ArmExpression.Property property) {
            return new ArmExpression.Property(inlineVariables(template, property.target(), depth + 1), property.name());
        }
        if (expression instanceof ArmExpression.Index index) {
            return new ArmExpression.Index(inlineVariables(template, index.target(), depth + 1),
                    inlineVariables(template, index.index(), depth + 1));
        }
        return expression;
    }
}
