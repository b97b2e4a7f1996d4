package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalScaleSetSettingsTest {
    @TempDir
    Path checkout;
    private Path script;
    private Path key;

    @BeforeEach
    void files() throws IOException {
        script = Files.createDirectories(checkout.resolve("scripts/lib")).resolve("worker-nodes.sh");
        Files.writeString(script, "#!/bin/sh\n");
        key = Files.writeString(checkout.resolve("function-key"), "k\n");
    }

    private LocalScaleSetSettings from(String... pairs) {
        Map<String, String> map = new HashMap<>(Map.of(
                LocalScaleSetSettings.SCRIPT, script.toString(),
                LocalScaleSetSettings.JOIN_URL, "http://10.213.77.1:7071/",
                LocalScaleSetSettings.KEY_FILE, key.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return LocalScaleSetSettings.from(new AppSettings(map)).orElseThrow();
    }

    private InvalidSettingException invalid(String... pairs) {
        return assertThrows(InvalidSettingException.class, () -> from(pairs));
    }

    @Test
    void offUnlessTheScriptIsSet() {
        assertEquals(Optional.empty(), LocalScaleSetSettings.from(new AppSettings(Map.of(
                LocalScaleSetSettings.JOIN_URL, "http://10.213.77.1:7071"))));
    }

    @Test
    void defaultsFollowTheScriptsCheckout() {
        assertEquals(new LocalScaleSetSettings(script, checkout.resolve(".dev/nodes"), URI.create("http://10.213.77.1:7071"),
                key, "hm-local", "Local_Dockerd", 10), from());
        assertEquals(Path.of("/tmp/nodes"), from(LocalScaleSetSettings.NODES_DIR, "/tmp/nodes").nodesDirectory());
        assertEquals("hm-dev", from(LocalScaleSetSettings.PREFIX, "hm-dev").prefix());
    }

    @Test
    void eachBadSettingIsNamed() {
        assertEquals(LocalScaleSetSettings.SCRIPT, invalid(LocalScaleSetSettings.SCRIPT, checkout.resolve("nope").toString()).setting());
        assertEquals(LocalScaleSetSettings.SCRIPT, invalid(LocalScaleSetSettings.SCRIPT, key.toString()).setting());
        assertEquals(LocalScaleSetSettings.JOIN_URL, invalid(LocalScaleSetSettings.JOIN_URL, " ").setting());
        InvalidSettingException loopback = invalid(LocalScaleSetSettings.JOIN_URL, "http://127.0.0.1:7071");
        assertTrue(loopback.getMessage().contains("loopback"), loopback.getMessage());
        assertEquals(LocalScaleSetSettings.JOIN_URL, invalid(LocalScaleSetSettings.JOIN_URL, "http://10.213.77.1:7071/api").setting());
        assertEquals(LocalScaleSetSettings.KEY_FILE, invalid(LocalScaleSetSettings.KEY_FILE, checkout.resolve("nope").toString()).setting());
        assertEquals(LocalScaleSetSettings.PREFIX, invalid(LocalScaleSetSettings.PREFIX, "Hm_Dev").setting());
        assertEquals(LocalScaleSetSettings.PREFIX, invalid(LocalScaleSetSettings.PREFIX, "hm-").setting());
        assertEquals(LocalScaleSetSettings.SIZE, invalid(LocalScaleSetSettings.SIZE, "a b").setting());
        assertEquals(LocalScaleSetSettings.MAX_CAPACITY, invalid(LocalScaleSetSettings.MAX_CAPACITY, "0").setting());
    }
}
