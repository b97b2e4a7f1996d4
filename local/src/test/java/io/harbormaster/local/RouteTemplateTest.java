package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteTemplateTest {

    private static Optional<Map<String, String>> match(String template, String... path) {
        return RouteTemplate.parse(template).match(List.of(path)).map(RouteTemplate.Match::values);
    }

    @Test
    void literalRoutesMatchCaseInsensitivelyAndExactly() {
        assertEquals(Optional.of(Map.of()), match("status", "status"));
        assertEquals(Optional.of(Map.of()), match("status", "STATUS"));
        assertEquals(Optional.empty(), match("status", "status", "extra"));
        assertEquals(Optional.empty(), match("status"));
        assertEquals(Optional.of(Map.of()), match("/nodes/list/", "nodes", "list"));
    }

    @Test
    void parameterSegmentsCaptureTheirValue() {
        assertEquals(Optional.of(Map.of("role", "worker")), match("join/{role}", "join", "worker"));
        assertEquals(Optional.of(Map.of("node", "vm-3", "op", "drain")),
                match("nodes/{node}/{op}", "nodes", "vm-3", "drain"));
        assertEquals(Optional.empty(), match("join/{role}", "join"));
        assertEquals(Optional.empty(), match("join/{role}", "join", "worker", "extra"));
        assertEquals(Optional.empty(), match("join/{role}", "leave", "worker"));
    }

    @Test
    void capturedValuesAreLookedUpCaseInsensitively() {
        Map<String, String> values = match("join/{Role}", "join", "manager").orElseThrow();
        assertEquals("manager", values.get("role"));
        assertEquals("manager", values.get("ROLE"));
    }

    @Test
    void constraintsRestrictWhatAParameterAccepts() {
        assertEquals(Optional.of(Map.of("id", "42")), match("items/{id:int}", "items", "42"));
        assertEquals(Optional.empty(), match("items/{id:int}", "items", "abc"));
        assertEquals(Optional.empty(), match("items/{id:int}", "items", "99999999999"));
        assertTrue(match("items/{id:long}", "items", "99999999999").isPresent());
        assertTrue(match("items/{id:guid}", "items", "0f8fad5b-d9cb-469f-a165-70867728950e").isPresent());
        assertEquals(Optional.empty(), match("items/{id:guid}", "items", "1-2-3-4-5"));
        assertTrue(match("x/{flag:bool}", "x", "True").isPresent());
        assertEquals(Optional.empty(), match("x/{flag:bool}", "x", "yes"));
        assertTrue(match("x/{name:alpha}", "x", "abc").isPresent());
        assertEquals(Optional.empty(), match("x/{name:alpha}", "x", "abc1"));
        assertTrue(match("x/{n:int:range(1,5)}", "x", "5").isPresent());
        assertEquals(Optional.empty(), match("x/{n:int:range(1,5)}", "x", "6"));
        assertEquals(Optional.empty(), match("x/{s:minlength(3)}", "x", "ab"));
        assertTrue(match("x/{s:length(2,3)}", "x", "abc").isPresent());
    }

    @Test
    void optionalAndCatchAllParameters() {
        assertEquals(Optional.of(Map.of()), match("files/{name?}", "files"));
        assertEquals(Optional.of(Map.of("name", "a.txt")), match("files/{name?}", "files", "a.txt"));
        assertEquals(Optional.empty(), match("files/{name?}", "files", "a", "b"));
        assertEquals(Optional.of(Map.of("path", "a/b/c")), match("blobs/{*path}", "blobs", "a", "b", "c"));
        assertEquals(Optional.of(Map.of("path", "")), match("blobs/{*path}", "blobs"));
    }

    @Test
    void literalsTakePrecedenceOverConstrainedOverPlainParameters() {
        List<RouteTemplate> templates = new ArrayList<>(List.of(RouteTemplate.parse("items/{*rest}"),
                RouteTemplate.parse("items/{name}"), RouteTemplate.parse("items/{id:int}"),
                RouteTemplate.parse("items/special"), RouteTemplate.parse("items/{name?}")));
        templates.sort(null);
        assertEquals(List.of("items/special", "items/{id:int}", "items/{name}", "items/{name?}", "items/{*rest}"),
                templates.stream().map(RouteTemplate::toString).toList());
    }

    @Test
    void unsupportedTemplatesAreRejectedWithTheReason() {
        IllegalArgumentException constraint = assertThrows(IllegalArgumentException.class,
                () -> RouteTemplate.parse("items/{id:wat}"));
        assertTrue(constraint.getMessage().contains("'wat'"), constraint.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RouteTemplate.parse("files/{name}.{ext}"));
        assertThrows(IllegalArgumentException.class, () -> RouteTemplate.parse("a/{x?}/b"));
        assertThrows(IllegalArgumentException.class, () -> RouteTemplate.parse("a/{*x}/b"));
        assertThrows(IllegalArgumentException.class, () -> RouteTemplate.parse("a/{x}/{X}"));
        assertThrows(IllegalArgumentException.class, () -> RouteTemplate.parse("x/{n:range(1)}"));
    }
}
