package io.harbormaster.local;

import static com.microsoft.azure.functions.annotation.AuthorizationLevel.ADMIN;
import static com.microsoft.azure.functions.annotation.AuthorizationLevel.ANONYMOUS;
import static com.microsoft.azure.functions.annotation.AuthorizationLevel.FUNCTION;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class FunctionKeysTest {
    private final FunctionKeys keys = FunctionKeys.of("function-key", Optional.of("master-key"));

    @Test
    void functionLevelAcceptsTheFunctionOrTheMasterKey() {
        assertTrue(keys.authorizes(FUNCTION, "function-key"));
        assertTrue(keys.authorizes(FUNCTION, "master-key"));
        assertFalse(keys.authorizes(FUNCTION, "function-key "));
        assertFalse(keys.authorizes(FUNCTION, "FUNCTION-KEY"));
        assertFalse(keys.authorizes(FUNCTION, ""));
        assertFalse(keys.authorizes(FUNCTION, null));
    }

    @Test
    void adminLevelAcceptsOnlyTheMasterKey() {
        assertTrue(keys.authorizes(ADMIN, "master-key"));
        assertFalse(keys.authorizes(ADMIN, "function-key"));
        FunctionKeys noMaster = FunctionKeys.of("function-key", Optional.empty());
        assertFalse(noMaster.authorizes(ADMIN, "function-key"));
        assertFalse(noMaster.authorizes(ADMIN, null));
    }

    @Test
    void anonymousNeedsNothingAndDisabledChecksNothing() {
        assertTrue(keys.authorizes(ANONYMOUS, null));
        assertTrue(FunctionKeys.disabled().authorizes(FUNCTION, null));
        assertTrue(FunctionKeys.disabled().authorizes(ADMIN, "anything"));
    }

    @Test
    void keysNeverShowInToString() {
        assertFalse(keys.toString().contains("function-key"));
        assertFalse(keys.toString().contains("master-key"));
    }
}
