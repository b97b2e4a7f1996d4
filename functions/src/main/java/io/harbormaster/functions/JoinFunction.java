package io.harbormaster.functions;

import com.microsoft.azure.functions.*;
import com.microsoft.azure.functions.annotation.*;
import java.util.Optional;

public class JoinFunction {
    @FunctionName("join")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "join/{role}", authLevel = AuthorizationLevel.FUNCTION)
            HttpRequestMessage<Optional<String>> request,
            @BindingName("role") String role,
            ExecutionContext context) {
        return request.createResponseBuilder(HttpStatus.OK).build();
    }
}
