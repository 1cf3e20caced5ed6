package dev.faissshard.fetch;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which limits apply to a host: those of the first {@code fsb.fetch.hosts} entry whose pattern
 * matches, else the defaults ({@code host-concurrency}, {@code host-rate}) under the class {@value
 * #OTHER}. The class is the pattern text, never the host itself, so that metrics tagged with it
 * have as many series as the configuration has entries.
 */
final class HostRules {

    static final String OTHER = "other";

    private final List<Rule> rules = new ArrayList<>();
    private final Limits fallback;

    HostRules(FetchProperties properties) {
        for (FetchProperties.Host host : properties.hosts()) {
            HostPattern pattern = HostPattern.parse(host.pattern());
            int concurrency =
                    host.maxConcurrency() == null
                            ? properties.hostConcurrency()
                            : host.maxConcurrency();
            double rate =
                    host.ratePerSecond() == null ? properties.hostRate() : host.ratePerSecond();
            rules.add(new Rule(pattern, new Limits(pattern.text(), concurrency, rate)));
        }
        this.fallback = new Limits(OTHER, properties.hostConcurrency(), properties.hostRate());
    }

    Limits limits(String host) {
        for (Rule rule : rules) {
            if (rule.pattern().matches(host)) {
                return rule.limits();
            }
        }
        return fallback;
    }

    /** Every class a host can fall in: the patterns in order, then {@value #OTHER}. */
    Set<String> classes() {
        Set<String> classes = new LinkedHashSet<>();
        rules.forEach(rule -> classes.add(rule.limits().hostClass()));
        classes.add(OTHER);
        return classes;
    }

    /**
     * @param concurrency requests in flight at most to one host
     * @param ratePerSecond requests started per second at most on one host; 0: unlimited
     */
    record Limits(String hostClass, int concurrency, double ratePerSecond) {

        long spacingNanos() {
            return ratePerSecond <= 0 ? 0 : (long) (1_000_000_000L / ratePerSecond);
        }
    }

    private record Rule(HostPattern pattern, Limits limits) {}
}
