package io.harbormaster.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * One scope of an ARM template: the top-level template, or the template of a nested deployment whose
 * expressions are evaluated in the inner scope. Finds what is declared there and every expression used there.
 */
final class ArmTemplate {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESOURCE_TYPE = Pattern.compile("[A-Za-z]+(\\.[A-Za-z]+)+(/[A-Za-z]+)+");

    /** A resource declared in this scope; copyName is the name of its copy loop, if any. */
    record Resource(String type, String name, String copyName, JsonNode node) {}

    /** An expression string found at a JSON path. */
    record Use(String path, String source, ArmExpression expression) {}

    final String label;
    final JsonNode root;
    final List<ArmTemplate> nested = new ArrayList<>();
    final List<Resource> resources = new ArrayList<>();
    final Set<String> copyNames = new LinkedHashSet<>();
    final List<Use> uses = new ArrayList<>();
    final List<String> parseProblems = new ArrayList<>();
    /** Plain (non-expression) dependsOn entries, which name a resource or a copy loop. */
    final List<String> plainDependsOn = new ArrayList<>();

    private ArmTemplate(String label, JsonNode root) {
        this.label = label;
        this.root = root;
        collectResources();
        scan();
    }

    static ArmTemplate load(Path file) {
        try {
            return parse(file.getFileName().toString(), Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static ArmTemplate parse(String label, String json) {
        try {
            return new ArmTemplate(label, JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + label, e);
        }
    }

    /** This scope and every inner-scope nested template below it. */
    List<ArmTemplate> allScopes() {
        List<ArmTemplate> all = new ArrayList<>();
        all.add(this);
        nested.forEach(child -> all.addAll(child.allScopes()));
        return all;
    }

    JsonNode parameters() {
        return root.path("parameters");
    }

    Set<String> parameterNames() {
        Set<String> names = new LinkedHashSet<>();
        parameters().fieldNames().forEachRemaining(names::add);
        return names;
    }

    Set<String> variableNames() {
        Set<String> names = new LinkedHashSet<>();
        root.path("variables").fieldNames().forEachRemaining(name -> {
            if (!name.equals("copy")) {
                names.add(name);
            }
        });
        root.path("variables").path("copy").forEach(copy -> names.add(copy.path("name").asText()));
        return names;
    }

    String parameterType(String name) {
        return parameters().path(name).path("type").asText("");
    }

    /** The first resource of this type declared in this scope. */
    Resource resource(String type) {
        return resources.stream().filter(r -> r.type().equalsIgnoreCase(type)).findFirst()
                .orElseThrow(() -> new AssertionError(label + " declares no " + type));
    }

    Map<String, JsonNode> appSettings() {
        Map<String, JsonNode> settings = new LinkedHashMap<>();
        resource("Microsoft.Web/sites").node().path("properties").path("siteConfig").path("appSettings")
                .forEach(setting -> settings.put(setting.path("name").asText(), setting.path("value")));
        return settings;
    }

    private void collectResources() {
        for (JsonNode resource : root.path("resources")) {
            String copyName = resource.path("copy").path("name").asText(null);
            if (copyName != null) {
                copyNames.add(copyName);
            }
            resources.add(new Resource(resource.path("type").asText(), resource.path("name").asText(), copyName, resource));
            if ("Microsoft.Resources/deployments".equalsIgnoreCase(resource.path("type").asText())
                    && "inner".equalsIgnoreCase(resource.path("properties").path("expressionEvaluationOptions").path("scope").asText())) {
                nested.add(new ArmTemplate(label + " > " + resource.path("name").asText(), resource.path("properties").path("template")));
            }
        }
        root.path("variables").path("copy").forEach(copy -> copyNames.add(copy.path("name").asText()));
        forEachNode(root, "$", (path, node) -> {
            if (node.isObject() && node.path("copy").isArray()) {
                node.path("copy").forEach(copy -> copyNames.add(copy.path("name").asText()));
            }
            if (node.isObject() && node.path("copy").isObject() && node.path("copy").has("name")) {
                copyNames.add(node.path("copy").path("name").asText());
            }
        });
    }

    /** Visits every node of this scope, not descending into inner-scope nested templates. */
    static void forEachNode(JsonNode node, String path, BiConsumer<String, JsonNode> visitor) {
        visitor.accept(path, node);
        if (node.isObject()) {
            boolean innerDeployment = "Microsoft.Resources/deployments".equalsIgnoreCase(node.path("type").asText())
                    && "inner".equalsIgnoreCase(node.path("properties").path("expressionEvaluationOptions").path("scope").asText());
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (innerDeployment && field.getKey().equals("properties")) {
                    // Only the parameters passed in are evaluated here; the template is its own scope.
                    forEachNode(field.getValue().path("parameters"), path + ".properties.parameters", visitor);
                    continue;
                }
                forEachNode(field.getValue(), path + "." + field.getKey(), visitor);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                forEachNode(node.get(i), path + "[" + i + "]", visitor);
            }
        }
    }

    private void scan() {
        forEachNode(root, "$", (where, value) -> {
            if (value.isTextual()) {
                record(where, value.asText());
            }
            if (value.isObject()) {
                value.fieldNames().forEachRemaining(key -> record(where + "{key}", key));
            }
        });
        for (JsonNode resource : root.path("resources")) {
            for (JsonNode dependency : resource.path("dependsOn")) {
                if (!ArmExpression.isExpression(dependency.asText())) {
                    plainDependsOn.add(dependency.asText());
                }
            }
        }
    }

    private void record(String path, String text) {
        if (!ArmExpression.isExpression(text)) {
            return;
        }
        try {
            uses.add(new Use(path, text, ArmExpression.parse(text)));
        } catch (IllegalArgumentException e) {
            parseProblems.add(label + " " + path + ": cannot parse " + text + ": " + e.getMessage());
        }
    }

    static boolean isResourceType(String text) {
        return RESOURCE_TYPE.matcher(text).matches();
    }
}
