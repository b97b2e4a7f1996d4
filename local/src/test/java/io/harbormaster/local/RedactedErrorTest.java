package io.harbormaster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class RedactedErrorTest {

    @Test
    void accountKeysAndSignaturesAreRemoved() {
        String text = RedactedError.describe(new IllegalStateException(
                "bad: DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=c2VjcmV0Cg==;QueueEndpoint=x",
                new IOException("GET https://a.queue.core.windows.net/q?sv=2020&sig=abc%2Fdef&se=1 failed")));
        assertFalse(text.contains("c2VjcmV0Cg"), text);
        assertFalse(text.contains("abc%2Fdef"), text);
        assertTrue(text.contains("AccountKey=***"), text);
        assertTrue(text.contains("IllegalStateException"), text);
        assertTrue(text.contains("<- IOException"), text);
    }

    @Test
    void onlyTheFirstLineOfEachMessageIsKept() {
        assertEquals("RuntimeException: one", RedactedError.describe(new RuntimeException("one\ntwo")));
    }
}
