package dev.faissshard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/kubernetes rendered by kustomize (kubectl's built-in) and every manifest validated against
 * the Kubernetes API schemas of the kubernetes-models package (and the Prometheus Operator's for
 * PodMonitor), then read for what the README promises: Pod Security "restricted", Supabase storage
 * from a Secret, probes on the open health endpoints, a pod failure policy, one partition count,
 * and scraping.
 */
class KubernetesManifestsTests {

    private static final Path KUBERNETES = CommandLine.REPOSITORY.resolve("deploy/kubernetes");
    private static final List<String> OVERLAYS = List.of("service", "indexed-job");
    private static final String CONTAINER = "faiss-shard-builder";

    @TempDir Path temp;

    @Test
    void everyRenderedManifestAndTheSecretTemplateMatchTheKubernetesSchemas() throws IOException {
        List<String> files = new ArrayList<>();
        for (String overlay : OVERLAYS) {
            Path rendered = temp.resolve(overlay + ".yaml");
            Files.writeString(rendered, render(KUBERNETES, overlay));
            files.add(rendered.toString());
        }
        files.add(KUBERNETES.resolve("secret.example.yaml").toString());
        String output = CommandLine.succeed(validate(files));
        // service: ServiceAccount, Service, Deployment, PodMonitor; job: ServiceAccount, Job,
        // PodMonitor; two Secrets.
        assertThat(output).contains("9 checked and valid, 0 problem(s)");
    }

    @Test
    void schemaValidationRejectsWhatAClusterWould() throws IOException {
        String job =
                render(KUBERNETES, "indexed-job")
                        .replace("action: FailJob", "action: Retry")
                        .replace("runAsNonRoot: true", "runAsNonRoot: \"yes\"");
        Path rendered = temp.resolve("broken.yaml");
        Files.writeString(rendered, job);
        CommandLine.Result result = CommandLine.run(validate(List.of(rendered.toString())));
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output())
                .contains("podFailurePolicy/rules/1/action")
                .contains("runAsNonRoot must be boolean");
    }

    @Test
    void podsMeetPodSecurityRestrictedWithAReadOnlyRootFilesystem() {
        for (String overlay : OVERLAYS) {
            Map<String, Object> pod = podSpec(workload(documents(render(KUBERNETES, overlay))));
            Map<String, Object> podSecurity = map(pod, "securityContext");
            assertThat(podSecurity)
                    .as(overlay)
                    .containsEntry("runAsNonRoot", true)
                    .containsEntry("runAsUser", 10001);
            assertThat(map(podSecurity, "seccompProfile")).containsEntry("type", "RuntimeDefault");
            assertThat(pod).doesNotContainKeys("hostNetwork", "hostPID", "hostIPC");
            assertThat(pod).containsEntry("automountServiceAccountToken", false);
            for (Map<String, Object> volume : list(pod, "volumes")) {
                Set<String> types = new java.util.HashSet<>(volume.keySet());
                types.remove("name");
                assertThat(
                                Set.of(
                                        "configMap",
                                        "csi",
                                        "downwardAPI",
                                        "emptyDir",
                                        "ephemeral",
                                        "persistentVolumeClaim",
                                        "projected",
                                        "secret"))
                        .as("volume types allowed by restricted")
                        .containsAll(types);
            }
            Map<String, Object> container = container(pod);
            Map<String, Object> security = map(container, "securityContext");
            assertThat(security)
                    .containsEntry("allowPrivilegeEscalation", false)
                    .containsEntry("readOnlyRootFilesystem", true)
                    .doesNotContainKey("privileged");
            assertThat(map(security, "capabilities"))
                    .containsEntry("drop", List.of("ALL"))
                    .doesNotContainKey("add");
            assertThat(list(container, "ports"))
                    .allSatisfy(port -> assertThat(port).doesNotContainKey("hostPort"));
            // The image's java.io.tmpdir and JavaCPP cache (see Dockerfile) are the writable
            // places.
            String tmpVolume =
                    list(container, "volumeMounts").stream()
                            .filter(mount -> "/app/tmp".equals(mount.get("mountPath")))
                            .map(mount -> (String) mount.get("name"))
                            .findFirst()
                            .orElseThrow();
            assertThat(list(pod, "volumes"))
                    .anySatisfy(
                            volume ->
                                    assertThat(volume)
                                            .containsEntry("name", tmpVolume)
                                            .containsKey("emptyDir"));
        }
    }

    @Test
    void workloadsUseSupabaseStorageAndTheSecretAndProbeTheOpenHealthEndpoints() {
        for (String overlay : OVERLAYS) {
            Map<String, Object> container =
                    container(podSpec(workload(documents(render(KUBERNETES, overlay)))));
            assertThat(env(container)).as(overlay).containsEntry("FSB_STORAGE_TYPE", "supabase");
            assertThat(list(container, "envFrom"))
                    .containsExactly(Map.of("secretRef", Map.of("name", "faiss-shard-builder")));
            for (String required : List.of("FSB_API_TOKENS", "SUPABASE_URL", "SUPABASE_KEY")) {
                assertThat(list(container, "env"))
                        .as(required)
                        .contains(
                                Map.of(
                                        "name",
                                        required,
                                        "valueFrom",
                                        Map.of(
                                                "secretKeyRef",
                                                Map.of(
                                                        "name",
                                                        "faiss-shard-builder",
                                                        "key",
                                                        required))));
            }
            assertThat(path(map(container, "livenessProbe")))
                    .isEqualTo("/actuator/health/liveness");
            assertThat(path(map(container, "startupProbe"))).isEqualTo("/actuator/health/liveness");
            if (overlay.equals("service")) {
                assertThat(path(map(container, "readinessProbe")))
                        .isEqualTo("/actuator/health/readiness");
            }
        }
    }

    @Test
    void imageMustBeNamedAndFollowsTheOverlaysImagesEntry() throws IOException {
        for (String overlay : OVERLAYS) {
            assertThat(
                            container(podSpec(workload(documents(render(KUBERNETES, overlay)))))
                                    .get("image"))
                    .as("unset image")
                    .isEqualTo(
                            "registry.invalid/set-your-registry/faiss-shard-builder:set-the-tag");
        }
        Path copy = copyOfKubernetes();
        Path kustomization = copy.resolve("overlays/service/kustomization.yaml");
        Files.writeString(
                kustomization,
                Files.readString(kustomization)
                        .replace(
                                "registry.invalid/set-your-registry/faiss-shard-builder",
                                "ghcr.io/acme/faiss-shard-builder")
                        .replace("set-the-tag", "0.1.0"));
        assertThat(container(podSpec(workload(documents(render(copy, "service"))))).get("image"))
                .isEqualTo("ghcr.io/acme/faiss-shard-builder:0.1.0");
    }

    @Test
    @SuppressWarnings("unchecked")
    void indexedJobStopsOnPermanentFailuresIgnoresDisruptionsAndCleansUp() {
        Map<String, Object> job = workload(documents(render(KUBERNETES, "indexed-job")));
        Map<String, Object> spec = map(job, "spec");
        assertThat(spec)
                .containsEntry("completionMode", "Indexed")
                .containsKeys(
                        "backoffLimitPerIndex", "activeDeadlineSeconds", "ttlSecondsAfterFinished");
        List<Map<String, Object>> rules = list(map(spec, "podFailurePolicy"), "rules");
        assertThat(rules.get(0))
                .containsEntry("action", "Ignore")
                .containsEntry("onPodConditions", List.of(Map.of("type", "DisruptionTarget")));
        for (int code : List.of(1, 2)) {
            assertThat(rules)
                    .as("exit code %d", code)
                    .anySatisfy(
                            rule -> {
                                assertThat(rule).containsEntry("action", "FailJob");
                                assertThat(map(rule, "onExitCodes"))
                                        .containsEntry("containerName", CONTAINER)
                                        .containsEntry("operator", "In");
                                assertThat((List<Object>) map(rule, "onExitCodes").get("values"))
                                        .contains((Object) code);
                            });
        }
        Map<String, Object> pod = podSpec(job);
        assertThat(pod).containsEntry("restartPolicy", "Never");
        assertThat(list(pod, "containers").get(0).get("args"))
                .isEqualTo(List.of("--fsb.job.run-once=true"));
    }

    @Test
    void partitionCountIsTheJobsCompletionsWrittenOnce() throws IOException {
        Map<String, Object> job = workload(documents(render(KUBERNETES, "indexed-job")));
        assertThat(env(container(podSpec(job))))
                .containsEntry(
                        "FSB_JOB_PARTITION_COUNT",
                        String.valueOf(map(job, "spec").get("completions")));

        Path copy = copyOfKubernetes();
        Path jobFile = copy.resolve("overlays/indexed-job/job.yaml");
        Files.writeString(
                jobFile, Files.readString(jobFile).replace("completions: 4", "completions: 7"));
        Map<String, Object> changed = workload(documents(render(copy, "indexed-job")));
        assertThat(map(changed, "spec")).containsEntry("completions", 7);
        assertThat(env(container(podSpec(changed)))).containsEntry("FSB_JOB_PARTITION_COUNT", "7");
    }

    @Test
    void podMonitorsScrapeEachWorkloadsPodsWithTheReadTokenSecret() throws IOException {
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> documents = documents(render(KUBERNETES, overlay));
            Map<String, Object> monitor =
                    documents.stream()
                            .filter(d -> "PodMonitor".equals(d.get("kind")))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no PodMonitor in " + overlay));
            Map<String, Object> workload = workload(documents);
            Map<String, Object> podLabels = map(map(map(workload, "spec"), "template"), "metadata");
            Map<String, Object> selector = map(map(monitor, "spec"), "selector");
            assertThat(map(podLabels, "labels"))
                    .as(overlay)
                    .containsAllEntriesOf(map(selector, "matchLabels"));
            Map<String, Object> endpoint = list(map(monitor, "spec"), "podMetricsEndpoints").get(0);
            assertThat(endpoint)
                    .containsEntry("port", "http")
                    .containsEntry("path", "/actuator/prometheus");
            assertThat(map(endpoint, "authorization"))
                    .containsEntry("type", "Bearer")
                    .containsEntry(
                            "credentials",
                            Map.of("name", "faiss-shard-builder-metrics", "key", "token"));
            assertThat(list(container(podSpec(workload)), "ports"))
                    .anySatisfy(
                            port ->
                                    assertThat(port)
                                            .containsEntry("name", "http")
                                            .containsEntry("containerPort", 8080));
        }
        List<Map<String, Object>> secrets =
                documents(Files.readString(KUBERNETES.resolve("secret.example.yaml")));
        assertThat(secrets)
                .extracting(secret -> map(secret, "metadata").get("name"))
                .containsExactly("faiss-shard-builder", "faiss-shard-builder-metrics");
        assertThat(map(secrets.get(0), "stringData"))
                .containsKeys("FSB_API_TOKENS", "SUPABASE_URL", "SUPABASE_KEY");
        assertThat(map(secrets.get(1), "stringData")).containsKey("token");
    }

    private static String render(Path kubernetes, String overlay) {
        return CommandLine.succeed(
                List.of(
                        "kubectl",
                        "kustomize",
                        kubernetes.resolve("overlays").resolve(overlay).toString()));
    }

    private static List<String> validate(List<String> files) {
        List<String> arguments = new ArrayList<>(List.of("kubernetes"));
        arguments.addAll(files);
        return CommandLine.validator(arguments.toArray(String[]::new));
    }

    private Path copyOfKubernetes() throws IOException {
        Path copy = temp.resolve("kubernetes");
        FileSystemUtils.copyRecursively(KUBERNETES, copy);
        return copy;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> documents(String yaml) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document != null) {
                documents.add((Map<String, Object>) document);
            }
        }
        return documents;
    }

    private static Map<String, Object> workload(List<Map<String, Object>> documents) {
        List<Map<String, Object>> workloads =
                documents.stream()
                        .filter(
                                d ->
                                        Stream.of("Deployment", "Job")
                                                .anyMatch(kind -> kind.equals(d.get("kind"))))
                        .toList();
        assertThat(workloads).hasSize(1);
        return workloads.get(0);
    }

    private static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(map(map(workload, "spec"), "template"), "spec");
    }

    private static Map<String, Object> container(Map<String, Object> podSpec) {
        List<Map<String, Object>> containers = list(podSpec, "containers");
        assertThat(containers).hasSize(1);
        assertThat(containers.get(0)).containsEntry("name", CONTAINER);
        return containers.get(0);
    }

    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (Map<String, Object> variable : list(container, "env")) {
            if (variable.containsKey("value")) {
                env.put((String) variable.get("name"), (String) variable.get("value"));
            }
        }
        return env;
    }

    private static String path(Map<String, Object> probe) {
        return (String) map(probe, "httpGet").get("path");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(List.class);
        return (List<Map<String, Object>>) value;
    }
}
