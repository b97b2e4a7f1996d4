package io.harbormaster.local.metrics;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/**
 * GET /api/metrics (master key), on the local host only: the control plane's metrics as Prometheus text. In Azure the
 * same metrics go to Application Insights instead, so the function app has no such route.
 */
public class MetricsFunction {
    @FunctionName("metrics")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "metrics", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.GET) {
            return request.createResponseBuilder(HttpStatus.METHOD_NOT_ALLOWED).header("Allow", "GET")
                    .header("Content-Type", "application/json")
                    .body("{\"error\":\"method_not_allowed\",\"message\":\"use GET\"}").build();
        }
        Optional<String> text = LocalMetrics.prometheusText();
        if (text.isEmpty()) {
            return request.createResponseBuilder(HttpStatus.SERVICE_UNAVAILABLE).header("Content-Type", "application/json")
                    .body("{\"error\":\"metrics_off\",\"message\":\"" + LocalMetrics.whyOff() + "\"}").build();
        }
        return request.createResponseBuilder(HttpStatus.OK).header("Content-Type", LocalMetrics.contentType())
                .header("Cache-Control", "no-store").body(text.get()).build();
    }
}
