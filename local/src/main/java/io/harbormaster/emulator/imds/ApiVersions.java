package io.harbormaster.emulator.imds;

import java.util.List;

/**
 * The api-versions each IMDS category accepts. Learn's "Supported API versions" list, cut at the version each category
 * appeared in ("Endpoint categories"); scheduled events keep their own list ("Version and region availability").
 */
final class ApiVersions {
    /** Learn, instance-metadata-service.md "Supported API versions", newest first. */
    static final List<String> IMDS = List.of(
            "2025-04-07", "2024-07-17", "2024-03-15", "2023-11-15", "2023-07-01", "2021-12-13", "2021-11-15", "2021-11-01",
            "2021-10-01", "2021-08-01", "2021-05-01", "2021-03-01", "2021-02-01", "2021-01-01", "2020-12-01", "2020-10-01",
            "2020-09-01", "2020-07-15", "2020-06-01", "2019-11-01", "2019-08-15", "2019-08-01", "2019-06-04", "2019-06-01",
            "2019-04-30", "2019-03-11", "2019-02-01", "2018-10-01", "2018-04-02", "2018-02-01", "2017-12-01", "2017-10-01",
            "2017-08-01", "2017-04-02", "2017-03-01");
    /** Learn, linux/scheduled-events.md "Version and region availability", general availability only, newest first. */
    static final List<String> SCHEDULED_EVENTS = List.of(
            "2020-07-01", "2019-08-01", "2019-04-01", "2019-01-01", "2017-11-01", "2017-08-01");

    private ApiVersions() {
    }

    /** One category's accepted versions. */
    enum Category {
        INSTANCE(since("2017-04-02")),
        ATTESTED(since("2018-10-01")),
        SCHEDULED_EVENTS(ApiVersions.SCHEDULED_EVENTS);

        private final List<String> versions;

        Category(List<String> versions) {
            this.versions = versions;
        }

        boolean accepts(String version) {
            return versions.contains(version);
        }

        /** The three newest, as the 400 body's "newest-versions" lists them. */
        List<String> newest() {
            return versions.subList(0, 3);
        }
    }

    /** True when {@code version} is {@code since} or later; api-versions are ISO dates, so they sort as text. */
    static boolean atLeast(String version, String since) {
        return version.compareTo(since) >= 0;
    }

    private static List<String> since(String first) {
        return IMDS.stream().filter(version -> atLeast(version, first)).toList();
    }
}
