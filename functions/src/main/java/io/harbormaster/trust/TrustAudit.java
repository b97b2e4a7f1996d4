package io.harbormaster.trust;

import java.util.logging.Logger;

/**
 * The audit trail of refused node calls: one line each on the {@code io.harbormaster.trust.audit} logger, with the
 * route, the identity the caller claimed and why; never a credential, a signature or a document.
 */
public final class TrustAudit {
    public static final String LOGGER = "io.harbormaster.trust.audit";
    private static final Logger LOG = Logger.getLogger(LOGGER);

    private TrustAudit() {
    }

    public static void refused(String route, TrustRefusal refusal) {
        LOG.warning(() -> line("refused", route, refusal.claimed(), refusal.kind().code(), refusal.getMessage()));
    }

    public static void granted(String route, Machine machine, String what) {
        LOG.info(() -> line("granted", route, machine.describe(), what, ""));
    }

    static String line(String verdict, String route, String claimed, String code, String message) {
        return "audit " + verdict + " route=" + route + " caller=\"" + printable(claimed) + "\" code=" + code
                + (message.isEmpty() ? "" : " reason=\"" + printable(message) + "\"");
    }

    private static String printable(String text) {
        String clean = text == null ? "" : text.replaceAll("[^\\x20-\\x7e]", "?").replace('"', '\'');
        return clean.length() > 300 ? clean.substring(0, 300) + "..." : clean;
    }
}
