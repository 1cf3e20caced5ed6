package dev.faissshard.api;

import dev.faissshard.dryrun.DryRunReport;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobLauncher;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The control API: start, watch, pause, resume and cancel index builds. */
@RestController
@RequestMapping("/jobs")
class JobController {

    private final JobService jobs;
    private final JobLauncher launcher;

    JobController(JobService jobs, JobLauncher launcher) {
        this.jobs = jobs;
        this.launcher = launcher;
    }

    @PostMapping
    @Operation(
            summary = "Start a build, or with \"dryRun\": true say what it would do",
            responses = {
                @ApiResponse(
                        responseCode = "202",
                        description = "Accepted: queued or started; Location names the job",
                        headers = @Header(name = "Location", description = "/jobs/{id}"),
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = JobView.class))),
                @ApiResponse(
                        responseCode = "200",
                        description =
                                "A dry run: what the job would do; nothing was queued or written",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = DryRunReport.class)))
            })
    ResponseEntity<?> start(@Valid @RequestBody(required = false) JobRequest request) {
        JobRequest given = request == null ? JobRequest.defaults() : request;
        if (Boolean.TRUE.equals(given.dryRun())) {
            return ResponseEntity.ok(jobs.dryRun(given));
        }
        Job job = jobs.submit(given);
        return ResponseEntity.accepted()
                .location(URI.create("/jobs/" + job.id()))
                .body(jobs.view(job));
    }

    @GetMapping
    List<JobView> list() {
        return jobs.views();
    }

    @GetMapping("/{id}")
    JobView get(@PathVariable String id) {
        return jobs.describe(id);
    }

    @PostMapping("/{id}/pause")
    JobView pause(@PathVariable String id) {
        return jobs.view(launcher.pause(id));
    }

    @PostMapping("/{id}/resume")
    JobView resume(@PathVariable String id) {
        return jobs.view(launcher.resume(id));
    }

    @PostMapping("/{id}/cancel")
    JobView cancel(@PathVariable String id) {
        return jobs.view(launcher.cancel(id));
    }
}
