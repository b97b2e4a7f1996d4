package io.harbormaster.local.samples.badschedule;

import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.TimerTrigger;

/** A timer whose schedule comes from a setting, for the startup checks. */
public class BadScheduleSamples {
    @FunctionName("configuredTimer")
    public void configuredTimer(@TimerTrigger(name = "timer", schedule = "%HARBORMASTER_TEST_SCHEDULE%") String info) {
    }
}
