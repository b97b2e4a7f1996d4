package io.harbormaster.functions;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import io.harbormaster.metrics.ControlPlaneMetrics;
import io.harbormaster.swarm.JoinTicket;
import io.harbormaster.swarm.JoinTicketCache;
import io.harbormaster.swarm.SwarmNotInitializedException;
import io.harbormaster.swarm.SwarmRole;
import io.harbormaster.swarm.SwarmUnavailableException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * GET /api/join/{role} (master key): the join token and manager addresses, for an operator who joins a node by hand;
 * booting nodes use the attested /api/node/join.
 */
public class JoinFunction {
    static final Duration RETRY_AFTER_NO_SWARM = Duration.ofSeconds(15);
    static final Duration RETRY_AFTER_NO_MANAGER = Duration.ofSeconds(5);

    private final JoinTicketCache tickets;

    public JoinFunction() {
        this(ControlPlane.instance().joinTickets());
    }

    JoinFunction(JoinTicketCache tickets) {
        this.tickets = tickets;
    }

    // No method filter on the trigger: the real host answers a method it does not route with 404, we want 405.
    @FunctionName("join")
    public HttpResponseMessage run(
            @HttpTrigger(name = "req", route = "join/{role}", authLevel = AuthorizationLevel.ADMIN)
            HttpRequestMessage<Optional<String>> request,
            @BindingName("role") String roleName,
            ExecutionContext context) {
        if (request.getHttpMethod() != HttpMethod.GET) {
            return HttpReplies.methodNotAllowed(request, "GET");
        }
        Optional<SwarmRole> role = SwarmRole.parse(roleName);
        if (role.isEmpty()) {
            return HttpReplies.error(request, HttpStatus.BAD_REQUEST, "unknown_role",
                    "role " + HttpReplies.quote(roleName) + " is not one of: worker, manager");
        }
        JoinTicket ticket;
        try {
            ticket = tickets.ticket(role.get());
            ControlPlaneMetrics.global().joinServed(role.get().urlName());
        } catch (SwarmNotInitializedException e) {
            context.getLogger().warning("join " + role.get().urlName() + ": " + e.getMessage());
            return HttpReplies.unavailable(request, RETRY_AFTER_NO_SWARM, "swarm_not_initialised",
                    "the managers are not part of a swarm yet");
        } catch (SwarmUnavailableException e) {
            context.getLogger().warning("join " + role.get().urlName() + ": " + e.getMessage());
            return HttpReplies.unavailable(request, RETRY_AFTER_NO_MANAGER, "no_manager_reachable",
                    "no swarm manager answered");
        }
        if (ticket.managerAddresses().isEmpty()) {
            return HttpReplies.unavailable(request, RETRY_AFTER_NO_MANAGER, "no_manager_reachable",
                    "the swarm reports no reachable manager");
        }
        context.getLogger().info("join " + ticket.role().urlName() + ": ticket issued with "
                + ticket.managerAddresses().size() + " manager address(es)");
        return wantsPlainText(request) ? plainText(request, ticket) : json(request, ticket);
    }

    private static boolean wantsPlainText(HttpRequestMessage<?> request) {
        String accept = header(request, "accept");
        return accept != null && accept.contains("text/plain") && !accept.contains("application/json");
    }

    /** One line, {@code <token> <addr>}, so a shell can run {@code docker swarm join --token "$1" "$2"}. */
    private static HttpResponseMessage plainText(HttpRequestMessage<?> request, JoinTicket ticket) {
        return request.createResponseBuilder(HttpStatus.OK)
                .header("Content-Type", "text/plain; charset=utf-8")
                .header("Cache-Control", "no-store")
                .body(ticket.token() + " " + ticket.managerAddresses().get(0) + "\n")
                .build();
    }

    private static HttpResponseMessage json(HttpRequestMessage<?> request, JoinTicket ticket) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", ticket.role().urlName());
        body.put("token", ticket.token());
        body.put("managers", ticket.managerAddresses());
        return HttpReplies.jsonBuilder(request, HttpStatus.OK, body)
                .header("Cache-Control", "no-store")
                .build();
    }

    /** Azure hands functions lower-cased header names; other hosts may not. */
    private static String header(HttpRequestMessage<?> request, String name) {
        return request.getHeaders().entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }
}
