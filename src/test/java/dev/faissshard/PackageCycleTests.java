package dev.faissshard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The main sources' packages depend on each other without cycles, read from the sources themselves
 * (every {@code dev.faissshard...Type} they name, imported or written out), and the data plane
 * flows downward: {@code job → build → (fetch, image, embedding) → index → shard → storage}.
 */
class PackageCycleTests {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern REFERENCE =
            Pattern.compile("\\bdev\\.faissshard\\.((?:[a-z]\\w*\\.)*)[A-Z]");

    @Test
    void topLevelPackagesHaveNoCycle() {
        assertThat(cycles(dependencies(true))).isEmpty();
    }

    @Test
    void theStoredIndexShardsAndBuildHaveNoCycleEvenAmongSubPackages() {
        List<Set<String>> cycles = cycles(dependencies(false));
        assertThat(cycles)
                .noneMatch(
                        cycle ->
                                cycle.stream()
                                        .anyMatch(
                                                name ->
                                                        name.equals("index")
                                                                || name.equals("build")
                                                                || name.equals("shard")
                                                                || name.startsWith("shard.")));
    }

    @Test
    void theDataPlaneOnlyDependsDownward() {
        Map<String, Set<String>> graph = dependencies(true);
        assertThat(graph.get("build")).doesNotContain("job", "api");
        assertThat(graph.get("index")).doesNotContain("job", "api", "build", "fetch", "catalog");
        assertThat(graph.get("shard"))
                .doesNotContain("job", "api", "build", "index", "fetch", "catalog");
        assertThat(dependencies(false).get("shard")).doesNotContain("shard.faiss");
    }

    /**
     * Package (relative to {@code dev.faissshard}, "" for the root) to the packages its sources
     * name.
     */
    private static Map<String, Set<String>> dependencies(boolean topLevel) {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve("dev/faissshard"))) {
            for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                String from =
                        name(
                                SOURCES.resolve("dev/faissshard")
                                        .relativize(file.getParent())
                                        .toString()
                                        .replace('/', '.'),
                                topLevel);
                Set<String> to = graph.computeIfAbsent(from, key -> new TreeSet<>());
                String source = Files.readString(file).replaceFirst("(?m)^package .*$", "");
                Matcher matcher = REFERENCE.matcher(source);
                while (matcher.find()) {
                    String target = name(matcher.group(1).replaceAll("\\.$", ""), topLevel);
                    if (!target.equals(from)) {
                        to.add(target);
                    }
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return graph;
    }

    private static String name(String relativePackage, boolean topLevel) {
        return topLevel && relativePackage.contains(".")
                ? relativePackage.substring(0, relativePackage.indexOf('.'))
                : relativePackage;
    }

    /** The strongly connected components of more than one package (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> cycles = new ArrayList<>();
        for (String node : graph.keySet()) {
            if (!index.containsKey(node)) {
                connect(node, graph, index, low, stack, cycles);
            }
        }
        return cycles;
    }

    private static void connect(
            String node,
            Map<String, Set<String>> graph,
            Map<String, Integer> index,
            Map<String, Integer> low,
            Deque<String> stack,
            List<Set<String>> cycles) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                connect(next, graph, index, low, stack, cycles);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (stack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            Set<String> component = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                component.add(member);
            } while (!member.equals(node));
            if (component.size() > 1) {
                cycles.add(component);
            }
        }
    }
}
