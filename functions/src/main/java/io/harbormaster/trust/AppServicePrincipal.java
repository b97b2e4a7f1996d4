package io.harbormaster.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The signed-in user as App Service authentication passes it on: the X-MS-CLIENT-PRINCIPAL header, base64 of
 * {@code {"auth_typ","claims":[{"typ","val"}],"name_typ","role_typ"}} (Learn: "Work with user identities in Azure App
 * Service authentication"). Only App Service can set that header, and only when its authentication is on: read it in
 * no other case, or anyone could write it.
 */
public record AppServicePrincipal(String name, Set<String> roles) {
    static final String ROLE_CLAIM_URI = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LONGEST = 64 * 1024;

    public AppServicePrincipal {
        roles = Set.copyOf(roles);
    }

    /** The principal of the header's value; empty when it is missing, too long or not the documented JSON. */
    public static Optional<AppServicePrincipal> decode(String header, String nameHeader) {
        if (header == null || header.isBlank() || header.length() > LONGEST) {
            return Optional.empty();
        }
        JsonNode principal;
        try {
            principal = JSON.readTree(new String(Base64.getDecoder().decode(header.trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | IOException e) {
            return Optional.empty();
        }
        if (principal == null || !principal.path("claims").isArray()) {
            return Optional.empty();
        }
        String nameType = principal.path("name_typ").asText("");
        String roleType = principal.path("role_typ").asText("");
        String name = nameHeader == null || nameHeader.isBlank() ? null : nameHeader.trim();
        Set<String> roles = new LinkedHashSet<>();
        for (JsonNode claim : principal.path("claims")) {
            String type = claim.path("typ").asText("");
            String value = claim.path("val").asText("");
            if (type.equals(roleType) || type.equals("roles") || type.equals(ROLE_CLAIM_URI)) {
                roles.add(value);
            } else if (name == null && !nameType.isEmpty() && type.equals(nameType)) {
                name = value;
            }
        }
        return Optional.of(new AppServicePrincipal(name == null ? "unnamed user" : name, roles));
    }
}
