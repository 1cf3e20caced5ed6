package dev.faissshard.api;

import dev.faissshard.job.Job;
import dev.faissshard.job.JobLauncher;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobView;
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
    ResponseEntity<JobView> start(@Valid @RequestBody(required = false) JobRequest request) {
        Job job = jobs.submit(request == null ? JobRequest.defaults() : request);
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
