package dev.faissshard.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a tool the deployment checks need (kubectl, node, docker-compose, shellcheck) from the
 * repository root. CI installs them through scripts/install-deps.sh, so a missing one is a failure
 * with that hint, never a skip.
 */
final class CommandLine {

    static final Path REPOSITORY = Path.of("").toAbsolutePath();

    record Result(int exitCode, String output) {}

    private CommandLine() {}

    static Result run(List<String> command) {
        return run(command, REPOSITORY, Map.of());
    }

    static Result run(List<String> command, Path directory, Map<String, String> environment) {
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        // A null value removes the variable from the inherited environment.
        environment.forEach(
                (key, value) -> {
                    if (value == null) {
                        builder.environment().remove(key);
                    } else {
                        builder.environment().put(key, value);
                    }
                });
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new AssertionError(
                    command.get(0)
                            + " could not be started; run scripts/install-deps.sh ("
                            + ex.getMessage()
                            + ")",
                    ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + command, ex);
        }
    }

    /**
     * Runs the command and returns its output, failing the test with that output if it exits
     * non-zero.
     */
    static String succeed(List<String> command) {
        Result result = run(command);
        if (result.exitCode() != 0) {
            throw new AssertionError(
                    String.join(" ", command)
                            + " exited "
                            + result.exitCode()
                            + ":\n"
                            + result.output());
        }
        return result.output();
    }

    /**
     * The Node.js validator of deploy/validate, with the packages scripts/install-deps.sh installed
     * there.
     */
    static List<String> validator(String... arguments) {
        Path modules = REPOSITORY.resolve("deploy/validate/node_modules");
        if (!modules.toFile().isDirectory()) {
            throw new AssertionError(
                    modules + " is missing; run scripts/install-deps.sh (npm ci there)");
        }
        List<String> command =
                new java.util.ArrayList<>(List.of("node", "deploy/validate/validate.mjs"));
        command.addAll(List.of(arguments));
        return command;
    }
}
