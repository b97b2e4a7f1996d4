package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the function.json files that azure-functions-maven-plugin generated into the deployment staging folder. */
class FunctionBindingsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path staging;
    private static Map<String, JsonNode> functions;

    @BeforeAll
    static void readStaging() throws IOException {
        String folder = System.getProperty("harbormaster.staging");
        assertNotNull(folder, "failsafe must pass -Dharbormaster.staging (see pom.xml)");
        staging = Path.of(folder);
        assertTrue(Files.isDirectory(staging), "no staging folder at " + staging + ": did mvn package run?");
        functions = new HashMap<>();
        try (Stream<Path> entries = Files.list(staging)) {
            for (Path dir : entries.filter(Files::isDirectory).toList()) {
                Path functionJson = dir.resolve("function.json");
                if (Files.exists(functionJson)) {
                    functions.put(dir.getFileName().toString(), JSON.readTree(functionJson.toFile()));
                }
            }
        }
    }

    @Test
    void stagingHoldsHostJsonAndTheJar() throws IOException {
        JsonNode hostJson = JSON.readTree(staging.resolve("host.json").toFile());
        assertEquals("2.0", hostJson.path("version").asText());
        assertEquals("none", hostJson.at("/extensions/queues/messageEncoding").asText());
        try (Stream<Path> files = Files.list(staging)) {
            assertTrue(files.anyMatch(file -> file.getFileName().toString().matches("harbormaster-.*\\.jar")));
        }
        assertTrue(Files.isDirectory(staging.resolve("lib")));
    }

    @Test
    void joinIsAnHttpGetOnJoinRoleWithTheMasterKey() {
        JsonNode join = functions.get("join");
        assertNotNull(join, "no join/function.json in " + functions.keySet());
        assertEquals("io.harbormaster.functions.JoinFunction.run", join.path("entryPoint").asText());
        JsonNode trigger = trigger(join, "httpTrigger");
        assertEquals("join/{role}", trigger.path("route").asText());
        assertEquals("ADMIN", trigger.path("authLevel").asText());
        // No method filter: the function itself answers 405, the real host would answer 404.
        assertTrue(trigger.path("methods").isMissingNode() || trigger.path("methods").isEmpty(), trigger.toString());
    }

    @Test
    void drainIsAnHttpTriggerWithTheMasterKeyAndItsWorkerAndPoisonHandlerAreQueueTriggers() {
        JsonNode drain = functions.get("drain");
        assertNotNull(drain, "no drain/function.json in " + functions.keySet());
        JsonNode http = trigger(drain, "httpTrigger");
        assertEquals("drain/{node}", http.path("route").asText());
        assertEquals("ADMIN", http.path("authLevel").asText());

        JsonNode worker = trigger(functions.get("drainWorker"), "queueTrigger");
        assertEquals("drain-requests", worker.path("queueName").asText());
        assertEquals("AzureWebJobsStorage", worker.path("connection").asText());
        JsonNode poison = trigger(functions.get("drainPoison"), "queueTrigger");
        assertEquals("drain-requests-poison", poison.path("queueName").asText());
    }

    @Test
    void upgradeIsAnOperatorRouteAndItsPassesAndPoisonHandlerAreQueueTriggers() {
        JsonNode http = trigger(functions.get("upgrade"), "httpTrigger");
        assertEquals("upgrade", http.path("route").asText());
        assertEquals("ADMIN", http.path("authLevel").asText());
        assertEquals("upgrade-steps", trigger(functions.get("upgradeWorker"), "queueTrigger").path("queueName").asText());
        assertEquals("upgrade-steps-poison", trigger(functions.get("upgradePoison"), "queueTrigger").path("queueName").asText());
    }

    @Test
    void capacityRunsOnItsScheduleSettingAndOnItsQueueAndAutoscaleAndStatusAreKeyed() {
        JsonNode timer = trigger(functions.get("capacity"), "timerTrigger");
        assertEquals("%HARBORMASTER_CAPACITY_SCHEDULE%", timer.path("schedule").asText());
        assertEquals("capacity-checks", trigger(functions.get("capacityNow"), "queueTrigger").path("queueName").asText());
        JsonNode autoscale = trigger(functions.get("autoscale"), "httpTrigger");
        assertEquals("autoscale", autoscale.path("route").asText());
        assertEquals("FUNCTION", autoscale.path("authLevel").asText());
        JsonNode status = trigger(functions.get("status"), "httpTrigger");
        assertEquals("status", status.path("route").asText());
        assertEquals("ADMIN", status.path("authLevel").asText());
        JsonNode rotate = trigger(functions.get("rotateJoinTokens"), "httpTrigger");
        assertEquals("swarm/rotate-join-tokens", rotate.path("route").asText());
        assertEquals("ADMIN", rotate.path("authLevel").asText());
        assertEquals(JoinTokenRotationFunction.SCHEDULE,
                trigger(functions.get("joinTokenRotation"), "timerTrigger").path("schedule").asText());
        // The pause switch is an operator's: master key only.
        for (String name : new String[] {"capacityPause", "capacityResume"}) {
            JsonNode pause = trigger(functions.get(name), "httpTrigger");
            assertEquals(name.equals("capacityPause") ? "capacity/pause" : "capacity/resume", pause.path("route").asText());
            assertEquals("ADMIN", pause.path("authLevel").asText());
        }
    }

    /** Every annotated method has its function.json, and the generated bindings say what the annotations say. */
    @Test
    void everyAnnotatedFunctionIsGeneratedFaithfully() throws Exception {
        List<String> checked = new ArrayList<>();
        for (JsonNode function : functions.values()) {
            String entryPoint = function.path("entryPoint").asText();
            int dot = entryPoint.lastIndexOf('.');
            Class<?> type = Class.forName(entryPoint.substring(0, dot));
            Method method = Arrays.stream(type.getMethods())
                    .filter(m -> m.getName().equals(entryPoint.substring(dot + 1)) && m.isAnnotationPresent(FunctionName.class))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no @FunctionName method for " + entryPoint));
            for (Parameter parameter : method.getParameters()) {
                HttpTrigger http = parameter.getAnnotation(HttpTrigger.class);
                if (http != null) {
                    JsonNode trigger = trigger(function, "httpTrigger");
                    assertEquals(http.route(), trigger.path("route").asText(), entryPoint);
                    assertEquals(http.authLevel().name(), trigger.path("authLevel").asText(), entryPoint);
                    assertEquals(Arrays.stream(http.methods()).map(Enum::name).toList(),
                            JSON.convertValue(trigger.path("methods").isMissingNode() ? JSON.createArrayNode() : trigger.path("methods"),
                                    List.class), entryPoint);
                }
                QueueTrigger queue = parameter.getAnnotation(QueueTrigger.class);
                if (queue != null) {
                    JsonNode trigger = trigger(function, "queueTrigger");
                    assertEquals(queue.queueName(), trigger.path("queueName").asText(), entryPoint);
                    assertEquals(queue.connection(), trigger.path("connection").asText(), entryPoint);
                }
                TimerTrigger timer = parameter.getAnnotation(TimerTrigger.class);
                if (timer != null) {
                    assertEquals(timer.schedule(), trigger(function, "timerTrigger").path("schedule").asText(), entryPoint);
                }
            }
            checked.add(method.getAnnotation(FunctionName.class).value());
        }
        assertTrue(checked.contains("join"), checked.toString());
    }

    private static JsonNode trigger(JsonNode function, String type) {
        for (JsonNode binding : function.path("bindings")) {
            if (type.equals(binding.path("type").asText())) {
                return binding;
            }
        }
        throw new AssertionError("no " + type + " binding in " + function);
    }
}
