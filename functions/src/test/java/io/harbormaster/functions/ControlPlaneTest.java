package io.harbormaster.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.harbormaster.config.AppSettings;
import io.harbormaster.config.InvalidSettingException;
import io.harbormaster.config.ScaleSetSettings;
import io.harbormaster.scaleset.LocalScaleSetSettings;
import io.harbormaster.scaleset.LocalScaleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneTest {
    @TempDir
    Path dir;

    private Map<String, String> local() throws IOException {
        Map<String, String> settings = new HashMap<>();
        Path lib = Files.createDirectories(dir.resolve("scripts/lib"));
        settings.put(LocalScaleSetSettings.SCRIPT, Files.writeString(lib.resolve("worker-nodes.sh"), "#!/bin/sh\n").toString());
        settings.put(LocalScaleSetSettings.JOIN_URL, "http://10.213.77.1:7071");
        settings.put(LocalScaleSetSettings.KEY_FILE, Files.writeString(dir.resolve("key"), "k\n").toString());
        return settings;
    }

    @Test
    void theLocalScaleSetWhenOnlyItIsConfiguredAndNoneWithoutEither() throws IOException {
        assertInstanceOf(LocalScaleSet.class, ControlPlane.scaleSet(new AppSettings(local())).orElseThrow());
        assertEquals(Optional.empty(), ControlPlane.scaleSet(new AppSettings(Map.of())));
    }

    @Test
    void bothScaleSetsAreOneErrorNamingBoth() throws IOException {
        Map<String, String> both = local();
        both.put(ScaleSetSettings.SCALE_SET_NAME, "harbormaster-agents");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> ControlPlane.scaleSet(new AppSettings(both)));
        assertEquals(ScaleSetSettings.SCALE_SET_NAME, e.setting());
        assertTrue(e.getMessage().contains(LocalScaleSetSettings.SCRIPT), e.getMessage());
    }
}
