package io.harbormaster.lifecycle.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The upgrade's instance order takes every kind of instance id: Uniform numbers, Flexible VM names, pools' ids. */
class UpgradeControlOrderTest {
    @Test
    void numbersInNumericOrderThenNamesInTextOrder() {
        List<String> ids = new ArrayList<>(List.of("hm-flex_9f00aa01", "10", "gpu:3", "2", "hm-flex_0a11bb22"));

        ids.sort(UpgradeControl::byInstanceId);

        assertEquals(List.of("2", "10", "gpu:3", "hm-flex_0a11bb22", "hm-flex_9f00aa01"), ids);
    }
}
