package io.harbormaster.scaleset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local scale set's failure paths, against a stand-in for worker-nodes.sh that fails as the real one does. */
class LocalScaleSetTest {
    private static final String KEY = "the-function-key-0123456789";

    @TempDir
    Path dir;
    private Path script;
    private LocalScaleSet scaleSet;

    @BeforeEach
    void scaleSet() throws IOException {
        script = dir.resolve("worker-nodes.sh");
        Path key = Files.writeString(dir.resolve("key"), KEY + "\n");
        scaleSet = new LocalScaleSet(script, dir.resolve("nodes"), URI.create("http://10.213.77.1:7071"), key, "hm-t",
                "Local_Test", 5);
    }

    private void script(String startBody) throws IOException {
        Files.writeString(script, """
                case $1 in
                  list) exit 0 ;;
                  start) %s ;;
                esac
                """.formatted(startBody));
    }

    @Test
    void aFailedStartIsRetryableWithTheScriptsReasonAndNoSecretAndTheCapacityStaysRaised() throws IOException {
        script("""
                echo "[worker-nodes] --- last lines of join.log ---" >&2
                echo "[worker-nodes] ERROR: node $2 could not join: HTTP 401 for key %s, token SWMTKN-1-abc-def" >&2
                echo "[worker-nodes] start of $2 failed; removing what it created" >&2
                exit 1""".formatted(KEY));
        ScaleSetModel before = scaleSet.describe();

        ScaleSetException e = assertThrows(ScaleSetException.class, () -> scaleSet.setCapacity(1, before.etag()));

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("hm-t-1: exit 1: node hm-t-1 could not join: HTTP 401"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertFalse(e.getMessage().contains("SWMTKN-1-abc"), e.getMessage());
        // As in Azure, a failed VM does not undo the capacity; writing it again retries the start (with a new id).
        ScaleSetModel after = scaleSet.describe();
        assertEquals(1, after.capacity());
        ScaleSetException again = assertThrows(ScaleSetException.class, () -> scaleSet.setCapacity(1, after.etag()));
        assertTrue(again.getMessage().contains("hm-t-2:"), again.getMessage());
    }

    @Test
    void aScriptThatCannotListIsARetryableFailure() throws IOException {
        Files.writeString(script, "echo '[worker-nodes] ERROR: the manager does not answer' >&2; exit 1\n");
        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::instances);
        assertTrue(e.retryable());
        assertTrue(e.getMessage().endsWith("exit 1: the manager does not answer"), e.getMessage());
    }

    @Test
    void aMalformedStateFileIsNamedAndNotRetried() throws IOException {
        script("exit 0");
        Files.createDirectories(dir.resolve("nodes"));
        Files.writeString(dir.resolve("nodes/hm-t.scale-set"), "capacity=two\n");
        ScaleSetException e = assertThrows(ScaleSetException.class, scaleSet::describe);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("hm-t.scale-set is malformed"), e.getMessage());
    }
}
