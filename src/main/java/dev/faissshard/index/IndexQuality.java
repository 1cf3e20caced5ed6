package dev.faissshard.index;

import java.time.Instant;

/**
 * How well a trained index of one type finds the exact nearest neighbours, as autofaiss' {@code
 * score_index} reports it: a sample of the built vectors is searched both exactly and through a
 * copy of the trained index holding the same sample, and recall@10 is the share of the exact top 10
 * the trained index returns.
 *
 * @param recallAt10 mean share of the exact 10 nearest found, 0 to 1
 * @param sampleSize vectors the sample held (queries are drawn from them)
 * @param queries queries searched
 * @param nprobe inverted lists searched per query (0 for indexes without lists)
 * @param measuredAt when
 */
public record IndexQuality(
        double recallAt10, int sampleSize, int queries, int nprobe, Instant measuredAt) {}
