package dev.faissshard.index;

/** Another job is already building the index at this location. */
public class IndexLocationBusyException extends RuntimeException {

    private final String runningJobId;

    public IndexLocationBusyException(String location, String runningJobId) {
        super("Job " + runningJobId + " is already building the index at " + location);
        this.runningJobId = runningJobId;
    }

    public String runningJobId() {
        return runningJobId;
    }
}
