package io.harbormaster.local;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a local host runs: the packages whose {@code @FunctionName} methods it serves, the app settings it reads
 * (the environment for {@code main}, an explicit map in tests) and where it prints its function listing.
 */
public record LocalHostOptions(List<String> packages, Map<String, String> settings, PrintStream console) {
    public static final String DEFAULT_PACKAGE = "io.harbormaster.functions";
    /** The local host's own routes: GET /api/metrics, which Azure serves through Application Insights instead. */
    public static final String LOCAL_PACKAGE = "io.harbormaster.local.metrics";

    public LocalHostOptions {
        packages = List.copyOf(packages);
        if (packages.isEmpty()) {
            throw new IllegalArgumentException("at least one package to scan is required");
        }
        settings = Map.copyOf(settings);
        Objects.requireNonNull(console, "console");
    }

    public static LocalHostOptions fromEnvironment() {
        return new LocalHostOptions(List.of(DEFAULT_PACKAGE, LOCAL_PACKAGE), System.getenv(), System.out);
    }

    /** For tests: the given packages and settings only, nothing from the environment. */
    public static LocalHostOptions of(Map<String, String> settings, String... packages) {
        return new LocalHostOptions(List.of(packages), settings, System.out);
    }

    public LocalHostOptions withPackages(List<String> newPackages) {
        return new LocalHostOptions(newPackages, settings, console);
    }

    public LocalHostOptions withConsole(PrintStream newConsole) {
        return new LocalHostOptions(packages, settings, newConsole);
    }
}
