package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.FaissIds;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * Answers searches exactly: every shard and open segment of every partition is searched for the k
 * best (k + 1 when the query's own id is left out), and the union is merged, so the answer is the
 * top k of an exhaustive search over all stored vectors (for flat shards; approximate factories
 * stay as approximate as each shard is). Only the requested types are searched; the scans of
 * concurrent searches are batched by {@link ShardScans}.
 */
@Service
class SearchService {

    private final ServedIndexes indexes;
    private final QueryImages images;
    private final SearchExecutor executor;
    private final ShardScans scans;
    private final MeterRegistry meters;
    private final Map<Class<?>, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    SearchService(
            ServedIndexes indexes,
            QueryImages images,
            SearchExecutor executor,
            ShardScans scans,
            MeterRegistry meters) {
        this.indexes = indexes;
        this.images = images;
        this.executor = executor;
        this.scans = scans;
        this.meters = meters;
    }

    SearchResponse search(SearchCommand command) {
        long start = System.nanoTime();
        // A URL is fetched on the request's thread: a slow image server must not hold a search
        // thread.
        SearchCommand resolved =
                command.source() instanceof SearchCommand.ByUrl byUrl
                        ? new SearchCommand(
                                command.prefix(),
                                command.types(),
                                command.k(),
                                command.excludeSelf(),
                                new SearchCommand.ByImage(images.fetch(byUrl.url())))
                        : command;
        // Loading and embedding run on the search threads; the scans run batched on the scan
        // threads while this request's thread waits. A query by id or vector of an index already
        // loaded needs neither: its lookup (a binary search and one vector copied) runs here, which
        // spares two thread hand-offs per search, each a wait for a core while scans keep them
        // busy.
        Prepared prepared = preparedHere(resolved);
        if (prepared == null) {
            prepared = executor.run(() -> prepare(resolved));
        }
        SearchResponse response;
        try {
            response = scan(resolved, prepared, start);
        } finally {
            prepared.snapshot().release();
        }
        timers.computeIfAbsent(command.source().getClass(), this::timer)
                .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        return response;
    }

    private Timer timer(Class<?> source) {
        return Timer.builder("fsb.search.requests")
                .description("Searches answered, from request to answer")
                .tag(
                        "query",
                        source.getSimpleName().substring(2).toLowerCase(java.util.Locale.ROOT))
                .register(meters);
    }

    /**
     * A query by id or vector prepared on the calling thread when its index is loaded already; null
     * when it must go to the search threads (an image to embed, an index to load).
     */
    private Prepared preparedHere(SearchCommand command) {
        if (!(command.source() instanceof SearchCommand.ById)
                && !(command.source() instanceof SearchCommand.ByVectors)) {
            return null;
        }
        return indexes.openLoaded(command.prefix())
                .map(snapshot -> prepare(command, snapshot))
                .orElse(null);
    }

    /** The snapshot a search holds (one reference taken) and its checked query vectors. */
    private record Prepared(IndexSnapshot snapshot, Map<IndexType, float[]> queries) {}

    private Prepared prepare(SearchCommand command) {
        return prepare(command, indexes.open(command.prefix()));
    }

    /** Checks the query against the snapshot, which it releases when that fails. */
    private Prepared prepare(SearchCommand command, IndexSnapshot snapshot) {
        try {
            Map<IndexType, float[]> queries = queryVectors(command, snapshot);
            for (IndexType type : command.types()) {
                check(snapshot.shards(type), queries.get(type), type);
            }
            return new Prepared(snapshot, queries);
        } catch (RuntimeException ex) {
            snapshot.release();
            throw ex;
        }
    }

    private SearchResponse scan(SearchCommand command, Prepared prepared, long start) {
        IndexSnapshot snapshot = prepared.snapshot();
        String self =
                command.excludeSelf() && command.source() instanceof SearchCommand.ById byId
                        ? byId.id()
                        : null;
        int wanted = self == null ? command.k() : command.k() + 1;
        Map<IndexType, CompletableFuture<List<ShardScans.Candidate>>> running =
                new EnumMap<>(IndexType.class);
        for (IndexType type : command.types()) {
            List<LoadedShard> shards = snapshot.shards(type);
            if (!shards.isEmpty()) {
                // A shard's deleted vectors may fill its best places: ask each for that many more.
                running.put(
                        type,
                        scans.submit(
                                shards,
                                prepared.queries().get(type),
                                wanted + snapshot.mostDeadPerShard(type)));
            }
        }
        Map<String, List<SearchResponse.Hit>> results = new LinkedHashMap<>();
        for (IndexType type : command.types()) {
            CompletableFuture<List<ShardScans.Candidate>> scan = running.get(type);
            results.put(
                    type.key(),
                    scan == null
                            ? List.of()
                            : merge(
                                    executor.await(scan, start),
                                    snapshot,
                                    command.k(),
                                    self,
                                    !"L2"
                                            .equals(
                                                    snapshot.shards(type)
                                                            .get(0)
                                                            .description()
                                                            .metric())));
        }
        IndexDescription description = snapshot.description();
        Instant published = description.publishedAt();
        return new SearchResponse(
                command.prefix(),
                new SearchResponse.ManifestView(
                        published == null ? null : published.toString(),
                        description.complete(),
                        description.partitions().size()),
                results);
    }

    private Map<IndexType, float[]> queryVectors(SearchCommand command, IndexSnapshot snapshot) {
        if (command.source() instanceof SearchCommand.ByVectors vectors) {
            return vectors.vectors();
        }
        if (command.source() instanceof SearchCommand.ById byId) {
            return storedVectors(byId.id(), command.types(), snapshot);
        }
        if (command.source() instanceof SearchCommand.ByImage image) {
            for (IndexType type : command.types()) {
                checkModel(type, snapshot.shards(type));
            }
            return images.embed(image.image(), EnumSet.copyOf(command.types()));
        }
        throw new IllegalStateException("URL queries are fetched before the search runs");
    }

    private static Map<IndexType, float[]> storedVectors(
            String id, List<IndexType> types, IndexSnapshot snapshot) {
        long faissId = FaissIds.of(id);
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        for (IndexType type : types) {
            float[] vector = null;
            for (LoadedShard shard : snapshot.shards(type)) {
                if (snapshot.isDead(shard.description().file(), faissId)) {
                    continue; // deleted, or replaced by a re-embedded vector in another shard
                }
                vector = shard.vector(faissId, id);
                if (vector != null) {
                    break;
                }
            }
            if (vector == null) {
                throw new IdNotIndexedException(
                        "the index holds no " + type.key() + " vector of the requested id");
            }
            vectors.put(type, vector);
        }
        return vectors;
    }

    private void checkModel(IndexType type, List<LoadedShard> shards) {
        ModelInfo model = images.model(type);
        for (LoadedShard shard : shards) {
            if (!model.id().equals(shard.description().modelId())
                    || !model.sha256().equals(shard.description().modelSha256())) {
                throw new IndexModelMismatchException(
                        "the "
                                + type.key()
                                + " index was built with another model than this service's; search it by vector or id");
            }
        }
    }

    private static void check(List<LoadedShard> shards, float[] query, IndexType type) {
        if (shards.isEmpty()) {
            return;
        }
        IndexDescription.Shard first = shards.get(0).description();
        for (LoadedShard shard : shards) {
            IndexDescription.Shard d = shard.description();
            if (d.dimension() != first.dimension() || !d.metric().equals(first.metric())) {
                throw new IndexInconsistentException(
                        "the " + type.key() + " shards disagree on dimension or metric");
            }
        }
        if (query.length != first.dimension()) {
            throw new InvalidSearchRequestException(
                    "query.vector." + type.key(),
                    "must have " + first.dimension() + " numbers, the index's dimension");
        }
    }

    /**
     * The k best of every shard's candidates, mapped back to catalogue ids, best first. Only the
     * candidates an answer can hold are mapped: the ranges yield about k per range, most of which
     * fall behind the k best.
     */
    private static List<SearchResponse.Hit> merge(
            List<ShardScans.Candidate> found,
            IndexSnapshot snapshot,
            int k,
            String self,
            boolean higherIsCloser) {
        List<ShardScans.Candidate> sorted = new ArrayList<>(found);
        Comparator<ShardScans.Candidate> byScore =
                Comparator.comparingDouble(ShardScans.Candidate::score);
        sorted.sort(
                (higherIsCloser ? byScore.reversed() : byScore)
                        .thenComparingLong(ShardScans.Candidate::faissId));
        List<SearchResponse.Hit> hits = new ArrayList<>(k);
        for (ShardScans.Candidate hit : sorted) {
            if (hits.size() == k) {
                break;
            }
            String shard = hit.shard().description().file();
            if (snapshot.isDead(shard, hit.faissId())) {
                continue;
            }
            String catalogId = hit.shard().catalogId(hit.faissId());
            if (catalogId == null || catalogId.equals(self)) {
                continue;
            }
            hits.add(new SearchResponse.Hit(catalogId, hit.score(), shard));
        }
        return List.copyOf(hits);
    }
}
