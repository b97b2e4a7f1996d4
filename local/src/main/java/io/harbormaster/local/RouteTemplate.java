package io.harbormaster.local;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP trigger route such as {@code join/{role}}, {@code items/{id:int}}, {@code files/{name?}} or
 * {@code blobs/{*path}}, matched segment by segment and case-insensitively as ASP.NET routing does.
 * Parameters must fill a whole segment; defaults ({@code {x=1}}) are not supported.
 */
public final class RouteTemplate implements Comparable<RouteTemplate> {
    private static final Pattern PARAMETER = Pattern.compile("^\\{(\\*)?([A-Za-z_][A-Za-z0-9_]*)((?::[^:{}]+)*)(\\?)?}$");
    private static final Pattern GUID = Pattern.compile(
            "^\\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}}?$");
    private static final Pattern CONSTRAINT = Pattern.compile("^([a-z]+)(?:\\(([^)]*)\\))?$");

    private final String text;
    private final List<Segment> segments;

    private RouteTemplate(String text, List<Segment> segments) {
        this.text = text;
        this.segments = segments;
    }

    /** The route's values by parameter name (case-insensitive); absent optional parameters are left out. */
    public record Match(Map<String, String> values) {
        public Match {
            TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            copy.putAll(values);
            values = Collections.unmodifiableMap(copy);
        }
    }

    private enum Kind { LITERAL, CONSTRAINED, PARAMETER, OPTIONAL, CATCH_ALL }

    private record Segment(Kind kind, String text, List<Predicate<String>> constraints) {
        boolean accepts(String value) {
            return constraints.stream().allMatch(c -> c.test(value));
        }
    }

    public static RouteTemplate parse(String template) {
        String trimmed = template.strip().replaceAll("^/+|/+$", "");
        List<Segment> segments = new ArrayList<>();
        String[] parts = trimmed.isEmpty() ? new String[0] : trimmed.split("/+");
        for (int i = 0; i < parts.length; i++) {
            Segment segment = segment(parts[i], template);
            boolean last = i == parts.length - 1;
            if (segment.kind() == Kind.CATCH_ALL && !last) {
                throw new IllegalArgumentException("a catch-all parameter must be the last segment of '" + template + "'");
            }
            if (segment.kind() == Kind.OPTIONAL && !last) {
                throw new IllegalArgumentException("an optional parameter must be the last segment of '" + template + "'");
            }
            segments.add(segment);
        }
        List<String> names = segments.stream().filter(s -> s.kind() != Kind.LITERAL)
                .map(s -> s.text().toLowerCase(Locale.ROOT)).toList();
        if (names.size() != names.stream().distinct().count()) {
            throw new IllegalArgumentException("a parameter name appears twice in '" + template + "'");
        }
        return new RouteTemplate(trimmed, List.copyOf(segments));
    }

    /** Matches already split and percent-decoded path segments (without the route prefix). */
    public Optional<Match> match(List<String> path) {
        Map<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int i = 0;
        for (Segment segment : segments) {
            switch (segment.kind()) {
                case CATCH_ALL -> {
                    values.put(segment.text(), String.join("/", path.subList(Math.min(i, path.size()), path.size())));
                    return Optional.of(new Match(values));
                }
                case OPTIONAL -> {
                    if (i < path.size()) {
                        if (!segment.accepts(path.get(i))) {
                            return Optional.empty();
                        }
                        values.put(segment.text(), path.get(i));
                        i++;
                    }
                }
                case LITERAL -> {
                    if (i >= path.size() || !segment.text().equalsIgnoreCase(path.get(i))) {
                        return Optional.empty();
                    }
                    i++;
                }
                default -> {
                    if (i >= path.size() || path.get(i).isEmpty() || !segment.accepts(path.get(i))) {
                        return Optional.empty();
                    }
                    values.put(segment.text(), path.get(i));
                    i++;
                }
            }
        }
        return i == path.size() ? Optional.of(new Match(values)) : Optional.empty();
    }

    /** Literal segments win over parameters, constrained over plain, required over optional, all over catch-all. */
    @Override
    public int compareTo(RouteTemplate other) {
        int common = Math.min(segments.size(), other.segments.size());
        for (int i = 0; i < common; i++) {
            int byKind = segments.get(i).kind().compareTo(other.segments.get(i).kind());
            if (byKind != 0) {
                return byKind;
            }
        }
        return Integer.compare(segments.size(), other.segments.size());
    }

    @Override
    public String toString() {
        return text;
    }

    private static Segment segment(String part, String template) {
        if (!part.contains("{") && !part.contains("}")) {
            return new Segment(Kind.LITERAL, part, List.of());
        }
        Matcher m = PARAMETER.matcher(part);
        if (!m.matches()) {
            throw new IllegalArgumentException("segment '" + part + "' of '" + template
                    + "' is not supported: a parameter must fill a whole segment, like {name}, {id:int} or {name?}");
        }
        boolean catchAll = m.group(1) != null;
        boolean optional = m.group(4) != null;
        List<Predicate<String>> constraints = new ArrayList<>();
        if (!m.group(3).isEmpty()) {
            for (String constraint : m.group(3).substring(1).split(":")) {
                constraints.add(constraint(constraint, template));
            }
        }
        Kind kind = catchAll ? Kind.CATCH_ALL
                : optional ? Kind.OPTIONAL
                : constraints.isEmpty() ? Kind.PARAMETER : Kind.CONSTRAINED;
        return new Segment(kind, m.group(2), List.copyOf(constraints));
    }

    private static Predicate<String> constraint(String text, String template) {
        Matcher m = CONSTRAINT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw unknownConstraint(text, template);
        }
        String name = m.group(1);
        long[] args = m.group(2) == null ? new long[0] : Arrays.stream(m.group(2).split(","))
                .map(String::trim).mapToLong(arg -> parseArgument(arg, text, template)).toArray();
        int arity = switch (name) {
            case "minlength", "maxlength", "min", "max" -> 1;
            case "range" -> 2;
            case "length" -> args.length == 2 ? 2 : 1;
            default -> 0;
        };
        if (args.length != arity) {
            throw unknownConstraint(text, template);
        }
        return switch (name) {
            case "int" -> v -> parses(() -> Integer.parseInt(v));
            case "long" -> v -> parses(() -> Long.parseLong(v));
            case "bool" -> v -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false");
            case "double", "float", "decimal" -> v -> parses(() -> Double.parseDouble(v));
            case "guid" -> v -> GUID.matcher(v).matches();
            case "alpha" -> v -> !v.isEmpty() && v.chars().allMatch(c -> c < 128 && Character.isLetter(c));
            case "minlength" -> v -> v.length() >= args[0];
            case "maxlength" -> v -> v.length() <= args[0];
            case "length" -> arity == 2 ? v -> v.length() >= args[0] && v.length() <= args[1]
                    : v -> v.length() == args[0];
            case "min" -> v -> parses(() -> Long.parseLong(v)) && Long.parseLong(v) >= args[0];
            case "max" -> v -> parses(() -> Long.parseLong(v)) && Long.parseLong(v) <= args[0];
            case "range" -> v -> parses(() -> Long.parseLong(v)) && Long.parseLong(v) >= args[0]
                    && Long.parseLong(v) <= args[1];
            default -> throw unknownConstraint(text, template);
        };
    }

    private static long parseArgument(String arg, String constraint, String template) {
        try {
            return Long.parseLong(arg);
        } catch (NumberFormatException e) {
            throw unknownConstraint(constraint, template);
        }
    }

    private static IllegalArgumentException unknownConstraint(String constraint, String template) {
        return new IllegalArgumentException("route constraint '" + constraint + "' in '" + template
                + "' is not supported (supported: int, long, bool, double, float, decimal, guid, alpha, "
                + "minlength(n), maxlength(n), length(n), length(a,b), min(n), max(n), range(a,b))");
    }

    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
