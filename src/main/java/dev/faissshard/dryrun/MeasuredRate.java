package dev.faissshard.dryrun;

/**
 * The rate earlier jobs ran at, for a dry run's time estimate.
 *
 * @param imagesPerSecond images fetched, decoded and embedded or failed per second of running time;
 *     null when there is none
 * @param source where it comes from ({@code index-history}, {@code service-history}, {@code none})
 * @param sampleJobs how many jobs it comes from
 */
public record MeasuredRate(Double imagesPerSecond, String source, int sampleJobs) {

    public static final MeasuredRate NONE = new MeasuredRate(null, "none", 0);
}
