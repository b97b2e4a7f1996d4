package io.harbormaster.local.samples.badparameter;

import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** An HTTP function with a parameter the host cannot bind. */
public class BadParameterSamples {
    @FunctionName("unbindable")
    public HttpResponseMessage unbindable(
            @HttpTrigger(name = "req", authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            StringBuilder mystery) {
        return null;
    }
}
