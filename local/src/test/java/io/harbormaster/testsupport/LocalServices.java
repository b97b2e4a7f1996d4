package io.harbormaster.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The real local services that scripts/test.sh starts (dockerd in swarm mode, Azurite), found through the
 * environment. Missing under CI=true is a failure, elsewhere the test is aborted with the reason.
 */
public final class LocalServices {
    private LocalServices() {
    }

    /** Docker endpoint of the local swarm manager, e.g. unix:///.../.dev/manager/docker.sock. */
    public static String dockerHost() {
        return required("HARBORMASTER_DOCKER_HOSTS", "dockerd in swarm mode");
    }

    /** The manager's TLS endpoint (tcp://127.0.0.1:23760) that only accepts our client certificate. */
    public static String dockerTlsEndpoint() {
        return required("HARBORMASTER_TEST_DOCKER_TLS_ENDPOINT", "dockerd's TLS listener");
    }

    /** Folder with ca.pem, cert.pem and key.pem for the TLS endpoint. */
    public static Path dockerTlsDirectory() {
        return Path.of(required("HARBORMASTER_TEST_TLS_DIR", "the client certificates of dockerd's TLS listener"));
    }

    /** Azurite's connection string. */
    public static String storageConnectionString() {
        return required("AzureWebJobsStorage", "Azurite");
    }

    /**
     * For what a test needs of the machine beyond the services (root, a tool): aborts the test with {@code reason}
     * when {@code met} is false, and fails it under CI=true, where a missing prerequisite is a broken runner.
     */
    public static void require(boolean met, String reason) {
        if (met) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(reason);
        }
        Assumptions.abort(reason);
    }

    private static String required(String variable, String service) {
        String value = System.getenv(variable);
        require(value != null && !value.isBlank(),
                variable + " is not set: " + service + " is not running. Run the tests with scripts/test.sh.");
        return value;
    }
}
