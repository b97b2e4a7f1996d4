package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.audit.AuditCodec;
import io.harbormaster.audit.AuditEvent;
import io.harbormaster.audit.AuditRetention;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GET /api/events?since=&lt;instant&gt;&amp;limit=&lt;n&gt; (master key): the audit trail after {@code since}
 * (default: the last hour), oldest first; {@code next} is the {@code since} of the following page.
 */
public class EventsFunction {
    static final int DEFAULT_LIMIT = 200;
    static final int MAX_LIMIT = 1000;
    static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

    private final AuditRetention audit;
    private final Clock clock;

    public EventsFunction() {
        this(ControlPlane.instance().auditRetention(), Clock.systemUTC());
    }

    EventsFunction(AuditRetention audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
    }

    @FunctionName("events")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "events", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.GET) {
            return HttpReplies.methodNotAllowed(request, "GET");
        }
        Instant now = clock.instant();
        Instant since;
        int limit;
        try {
            since = parameter(request, "since").map(Instant::parse).orElse(now.minus(DEFAULT_WINDOW));
        } catch (DateTimeParseException e) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_since",
                    "since must be an ISO-8601 instant such as 2026-12-06T17:00:00Z");
        }
        try {
            limit = parameter(request, "limit").map(Integer::parseInt).orElse(DEFAULT_LIMIT);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "invalid_limit",
                    "limit must be a whole number from 1 to " + MAX_LIMIT);
        }
        List<AuditEvent> events = audit.trail().since(since, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("since", since.toString());
        body.put("retention", audit.retention().toString());
        body.put("events", events.stream().map(AuditCodec::json).toList());
        // Ask again with since=next until a page comes back empty.
        body.put("next", events.isEmpty() ? since.toString() : events.get(events.size() - 1).at().toString());
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body).header("Cache-Control", "no-store").build();
    }

    private static Optional<String> parameter(HttpRequestMessage<?> request, String name) {
        return Optional.ofNullable(request.getQueryParameters().get(name)).filter(value -> !value.isBlank());
    }
}
