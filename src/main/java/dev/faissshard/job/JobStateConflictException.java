package dev.faissshard.job;

/** The action does not apply to the job in its current state (pausing a finished job, say). */
public class JobStateConflictException extends RuntimeException {

    private final JobState state;

    JobStateConflictException(String jobId, String action, JobState state) {
        super(
                "Job "
                        + jobId
                        + " is "
                        + state.name().toLowerCase(java.util.Locale.ROOT)
                        + " and cannot "
                        + action);
        this.state = state;
    }

    public JobState state() {
        return state;
    }
}
