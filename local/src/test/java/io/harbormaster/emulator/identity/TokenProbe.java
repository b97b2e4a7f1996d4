package io.harbormaster.emulator.identity;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;

/**
 * Run in a child JVM whose real environment holds IDENTITY_ENDPOINT and IDENTITY_HEADER: MSAL, which
 * ManagedIdentityCredential uses, reads the process environment and ignores azure-core's Configuration. Prints
 * "token &lt;token&gt; &lt;expires epoch seconds&gt;" for the parent test to check, or "refused &lt;hosts&gt;".
 */
public final class TokenProbe {
    private TokenProbe() {
    }

    public static void main(String[] args) {
        LoopbackOnlyHttpClient http = new LoopbackOnlyHttpClient();
        TokenCredential credential = args.length > 0 && args[0].equals("default")
                ? new DefaultAzureCredentialBuilder().httpClient(http).build()
                : new ManagedIdentityCredentialBuilder().httpClient(http).build();
        try {
            AccessToken token = credential.getTokenSync(
                    new TokenRequestContext().addScopes("https://management.core.windows.net//.default"));
            System.out.println("token " + token.getToken() + " " + token.getExpiresAt().toEpochSecond());
        } catch (RuntimeException e) {
            System.out.println("failed " + e.getClass().getSimpleName());
        }
        if (!http.refusedHosts().isEmpty()) {
            System.out.println("refused " + http.refusedHosts());
        }
        System.exit(0);
    }
}
