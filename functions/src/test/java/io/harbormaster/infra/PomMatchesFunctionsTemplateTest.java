package io.harbormaster.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** `mvn azure-functions:deploy` deploys to the app that infra/functions.json creates, with the same runtime. */
class PomMatchesFunctionsTemplateTest {
    private static final Map<String, String> PROPERTIES = new HashMap<>();
    private static Element plugin;

    @BeforeAll
    static void readPom() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        // The parent pom holds the shared properties (the Java release); the app's module holds the plugin.
        for (String file : new String[] {"pom.xml", "functions/pom.xml"}) {
            Document pom = factory.newDocumentBuilder().parse(InfraFiles.path(file).toFile());
            NodeList entries = child(pom.getDocumentElement(), "properties").getChildNodes();
            for (int i = 0; i < entries.getLength(); i++) {
                if (entries.item(i) instanceof Element entry) {
                    PROPERTIES.put(entry.getTagName(), entry.getTextContent().trim());
                }
            }
            NodeList plugins = pom.getElementsByTagName("plugin");
            for (int i = 0; i < plugins.getLength(); i++) {
                Element candidate = (Element) plugins.item(i);
                if ("azure-functions-maven-plugin".equals(text(candidate, "artifactId"))
                        && hasChild(candidate, "configuration")) {
                    plugin = candidate;
                }
            }
        }
        assertNotNull(plugin, "functions/pom.xml configures the azure-functions-maven-plugin");
    }

    @Test
    void theAppNameResourceGroupAndRegionAreTheTemplates() {
        Element configuration = child(plugin, "configuration");
        String appName = resolve(text(configuration, "appName"));
        String resourceGroup = resolve(text(configuration, "resourceGroup"));
        String region = resolve(text(configuration, "region"));

        ArmTemplate functions = InfraFiles.functions();
        JsonNode functionsExample = ArmTemplatesTest.example("infra/functions.parameters.example.json");
        assertEquals(appName, functions.parameters().path("functionAppName").path("defaultValue").asText(),
                "functions.json's functionAppName default is the pom's appName");
        assertEquals(appName, functionsExample.path("functionAppName").path("value").asText());
        assertEquals(region, functionsExample.path("location").path("value").asText(), "the example deploys to the pom's region");
        assertEquals("[parameters('functionAppName')]", functions.resource("Microsoft.Web/sites").name());

        ArmTemplate cluster = InfraFiles.cluster();
        JsonNode clusterExample = ArmTemplatesTest.example("infra/cluster.parameters.example.json");
        assertEquals(appName, cluster.parameters().path("functionAppName").path("defaultValue").asText());
        assertEquals(appName, clusterExample.path("functionAppName").path("value").asText());
        assertEquals(resourceGroup, cluster.parameters().path("functionsResourceGroup").path("defaultValue").asText(),
                "cluster.json looks for the app in the pom's resourceGroup");
        assertEquals(resourceGroup, clusterExample.path("functionsResourceGroup").path("value").asText());
        assertEquals(region, clusterExample.path("location").path("value").asText());
        assertTrue(clusterExample.path("dockerTlsServerKeyPem").path("reference").path("keyVault").path("id").asText()
                .contains("/resourceGroups/" + resourceGroup + "/"), "the vault lives with the app");
    }

    @Test
    void theRuntimeIsLinuxJava17OnFunctionsV4() {
        Element runtime = child(child(plugin, "configuration"), "runtime");
        assertEquals("linux", text(runtime, "os"));
        String javaVersion = text(runtime, "javaVersion");

        ArmTemplate functions = InfraFiles.functions();
        JsonNode site = functions.resource("Microsoft.Web/sites").node();
        assertTrue(site.path("kind").asText().contains("linux"), "a Linux function app: " + site.path("kind").asText());
        assertTrue(site.path("properties").path("reserved").asBoolean(), "reserved marks a Linux app");
        assertEquals("Java|" + javaVersion, site.path("properties").path("siteConfig").path("linuxFxVersion").asText());
        assertEquals(PROPERTIES.get("maven.compiler.release"), javaVersion, "the app is compiled for the runtime it runs on");

        Map<String, JsonNode> settings = functions.appSettings();
        assertEquals("java", settings.get("FUNCTIONS_WORKER_RUNTIME").asText());
        Element appSettings = child(child(plugin, "configuration"), "appSettings");
        NodeList entries = appSettings.getElementsByTagName("property");
        for (int i = 0; i < entries.getLength(); i++) {
            Element entry = (Element) entries.item(i);
            String name = text(entry, "name");
            assertTrue(settings.containsKey(name), "functions.json sets " + name + " too");
            assertEquals(text(entry, "value"), settings.get(name).asText(), name + " is the same in the pom and the template");
        }
    }

    @Test
    void theDeploymentNeedsNoKeyOfTheHostStorageAccount() {
        // The plugin's run_from_blob (its default on Linux Elastic Premium) uploads with the AzureWebJobsStorage
        // connection string; the template has none, and that account refuses shared keys. A zip deploy lands in the
        // content share, which the template keeps (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING, WEBSITE_CONTENTSHARE).
        assertEquals("run_from_zip", text(child(plugin, "configuration"), "deploymentType"));
        Map<String, JsonNode> settings = InfraFiles.functions().appSettings();
        assertTrue(settings.containsKey("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING") && settings.containsKey("WEBSITE_CONTENTSHARE"));
        assertTrue(!settings.containsKey("AzureWebJobsStorage"));
    }

    /** ${property} as Maven would resolve it from the pom's properties (no -D overrides here). */
    private static String resolve(String value) {
        if (value.startsWith("${") && value.endsWith("}")) {
            String property = value.substring(2, value.length() - 1);
            assertTrue(PROPERTIES.containsKey(property), "pom.xml defines " + property);
            return PROPERTIES.get(property);
        }
        return value;
    }

    private static boolean hasChild(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static Element child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return element;
            }
        }
        throw new AssertionError("<" + parent.getTagName() + "> has no <" + name + ">");
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().trim();
    }
}
