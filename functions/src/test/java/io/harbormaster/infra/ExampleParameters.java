package io.harbormaster.infra;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What an example parameter file must satisfy against its template. */
final class ExampleParameters {
    /** A parameter whose value is a file of this repository, passed on the command line as name=@file. */
    static final String FROM_FILE = "harbormasterFromFile";

    private ExampleParameters() {
    }

    static List<String> problems(ArmTemplate template, JsonNode example, Path repositoryRoot) {
        List<String> problems = new ArrayList<>();
        JsonNode declared = template.parameters();
        example.fieldNames().forEachRemaining(name -> {
            if (!declared.has(name)) {
                problems.add(name + " is not a parameter of " + template.label);
                return;
            }
            JsonNode given = example.path(name);
            JsonNode parameter = declared.path(name);
            String type = parameter.path("type").asText().toLowerCase(Locale.ROOT);
            if (type.startsWith("secure")) {
                // A secret is never written into a parameter file: it comes from Key Vault.
                if (!given.path("reference").path("keyVault").path("id").isTextual() || !given.path("reference").path("secretName").isTextual()) {
                    problems.add(name + " is a " + parameter.path("type").asText() + " but the example gives no Key Vault reference");
                }
                return;
            }
            if (!given.has("value")) {
                problems.add(name + " has no value");
                return;
            }
            problems.addAll(valueProblems(name, parameter, given.path("value")));
            if (parameter.path("metadata").has(FROM_FILE)) {
                problems.add(name + " is read from " + parameter.path("metadata").path(FROM_FILE).asText() + " and belongs on the command line");
            }
        });
        declared.fieldNames().forEachRemaining(name -> {
            JsonNode parameter = declared.path(name);
            if (parameter.has("defaultValue") || example.has(name)) {
                return;
            }
            JsonNode fromFile = parameter.path("metadata").path(FROM_FILE);
            if (fromFile.isTextual()) {
                if (!Files.isRegularFile(repositoryRoot.resolve(fromFile.asText()))) {
                    problems.add(name + " is read from " + fromFile.asText() + ", which does not exist");
                }
                return;
            }
            problems.add("required parameter " + name + " is not given");
        });
        return problems;
    }

    private static List<String> valueProblems(String name, JsonNode parameter, JsonNode value) {
        List<String> problems = new ArrayList<>();
        String type = parameter.path("type").asText().toLowerCase(Locale.ROOT);
        boolean typeMatches = switch (type) {
            case "string" -> value.isTextual();
            case "int" -> value.isIntegralNumber();
            case "bool" -> value.isBoolean();
            case "array" -> value.isArray();
            case "object" -> value.isObject();
            default -> true;
        };
        if (!typeMatches) {
            problems.add(name + " = " + value + " is not a " + type);
        }
        if (parameter.has("allowedValues")) {
            boolean allowed = false;
            for (JsonNode candidate : parameter.path("allowedValues")) {
                allowed |= candidate.equals(value);
            }
            if (!allowed) {
                problems.add(name + " = " + value + " is not one of " + parameter.path("allowedValues"));
            }
        }
        if (value.isIntegralNumber()) {
            if (parameter.has("minValue") && value.asLong() < parameter.path("minValue").asLong()) {
                problems.add(name + " = " + value + " is below " + parameter.path("minValue"));
            }
            if (parameter.has("maxValue") && value.asLong() > parameter.path("maxValue").asLong()) {
                problems.add(name + " = " + value + " is above " + parameter.path("maxValue"));
            }
        }
        if (value.isTextual()) {
            if (parameter.has("minLength") && value.asText().length() < parameter.path("minLength").asInt()) {
                problems.add(name + " is shorter than " + parameter.path("minLength"));
            }
            if (parameter.has("maxLength") && value.asText().length() > parameter.path("maxLength").asInt()) {
                problems.add(name + " is longer than " + parameter.path("maxLength"));
            }
        }
        return problems;
    }
}
