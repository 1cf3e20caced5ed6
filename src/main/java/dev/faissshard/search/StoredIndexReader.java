package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.Manifest;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.index.PartitionsFile;
import dev.faissshard.index.Tombstones;
import dev.faissshard.storage.ObjectNotFoundException;
import dev.faissshard.storage.StorageClient;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Reads an index as stored: {@code faiss/partitions.json} when the build was partitioned, each
 * manifest with the shard lists it names (checked against their sha256), the id files and the shard
 * bytes. The one class of the search package that knows the stored formats, so that a change of
 * them (or of the classes that write them) touches only this file.
 */
@Component
class StoredIndexReader {

    /** Reads of a manifest whose shard list a newer manifest replaced meanwhile. */
    private static final int LIST_ATTEMPTS = 3;

    private final StorageClient storage;
    private final ManifestPublisher manifests;

    StoredIndexReader(StorageClient storage, ManifestPublisher manifests) {
        this.storage = storage;
        this.manifests = manifests;
    }

    /**
     * The index at {@code prefix} (already validated), or empty when there is none: neither a
     * {@code faiss/partitions.json} nor a {@code faiss/manifest.json}.
     */
    Optional<IndexDescription> describe(String prefix) {
        Optional<PartitionsFile> partitions = PartitionsFile.read(storage, prefix);
        if (partitions.isPresent()) {
            List<IndexDescription.Partition> parts = new ArrayList<>();
            for (PartitionsFile.Entry entry : partitions.get().partitions()) {
                String own = prefix.isEmpty() ? entry.prefix() : prefix + "/" + entry.prefix();
                parts.add(partition(entry.index(), IndexLayout.at(own), entry.prefix() + "/"));
            }
            return Optional.of(new IndexDescription(prefix, true, parts));
        }
        IndexDescription.Partition whole = partition(0, IndexLayout.at(prefix), "");
        return whole.present()
                ? Optional.of(new IndexDescription(prefix, false, List.of(whole)))
                : Optional.empty();
    }

    /**
     * Every index prefix in storage: where a partitions file or a manifest outside a partitioned
     * build is.
     */
    List<String> prefixes() {
        List<String> partitioned = new ArrayList<>();
        List<String> manifestsFound = new ArrayList<>();
        for (var object : storage.list("")) {
            String key = object.key();
            if (key.equals("faiss/partitions.json") || key.endsWith("/faiss/partitions.json")) {
                partitioned.add(key.substring(0, key.length() - "faiss/partitions.json".length()));
            } else if (key.equals("faiss/manifest.json") || key.endsWith("/faiss/manifest.json")) {
                manifestsFound.add(key.substring(0, key.length() - "faiss/manifest.json".length()));
            }
        }
        List<String> prefixes = new ArrayList<>();
        partitioned.forEach(folder -> prefixes.add(strip(folder)));
        for (String folder : manifestsFound) {
            String prefix = strip(folder);
            boolean inPartitionedBuild =
                    partitioned.stream().anyMatch(build -> isPartitionOf(prefix, strip(build)));
            if (!inPartitionedBuild && !prefixes.contains(prefix)) {
                prefixes.add(prefix);
            }
        }
        prefixes.sort(null);
        return prefixes;
    }

    /** The shard's bytes as a stream: a shard is read into native memory, not onto the heap. */
    InputStream shard(IndexDescription.Shard shard) {
        return storage.open(shard.key());
    }

    /** The id file of a shard as parallel arrays in index order. */
    IdColumns ids(IndexDescription.Shard shard) {
        List<IdFile.Entry> entries = IdFile.read(storage.get(shard.idsKey()));
        long[] faissIds = new long[entries.size()];
        String[] catalogIds = new String[entries.size()];
        for (int i = 0; i < faissIds.length; i++) {
            faissIds[i] = entries.get(i).faissId();
            catalogIds[i] = entries.get(i).catalogId();
        }
        return new IdColumns(faissIds, catalogIds);
    }

    /** FAISS ids and the catalogue ids they stand for, row by row. */
    record IdColumns(long[] faissIds, String[] catalogIds) {}

    private IndexDescription.Partition partition(int index, IndexLayout layout, String subPrefix) {
        for (int attempt = 1; ; attempt++) {
            Optional<Manifest> manifest = manifests.read(layout, storage);
            if (manifest.isEmpty()) {
                return new IndexDescription.Partition(index, false, false, null, List.of());
            }
            List<Manifest.Entry> sealedShards;
            try {
                sealedShards = manifests.sealedShards(manifest.get(), layout, storage);
            } catch (ObjectNotFoundException ex) {
                // A newer manifest replaced a shard list this one names (a compaction) and the
                // build deleted it: read the manifest again.
                if (attempt >= LIST_ATTEMPTS) {
                    throw ex;
                }
                continue;
            }
            return described(index, layout, subPrefix, manifest.get(), sealedShards);
        }
    }

    private static IndexDescription.Partition described(
            int index,
            IndexLayout layout,
            String subPrefix,
            Manifest manifest,
            List<Manifest.Entry> sealedShards) {
        List<IndexDescription.Shard> shards = new ArrayList<>();
        add(shards, sealedShards, layout, subPrefix, true);
        add(shards, manifest.openSegments(), layout, subPrefix, false);
        return new IndexDescription.Partition(
                index,
                true,
                Boolean.TRUE.equals(manifest.complete()),
                manifest.publishedAt(),
                List.copyOf(shards),
                Tombstones.ofManifest(manifest.tombstones(), subPrefix));
    }

    private static void add(
            List<IndexDescription.Shard> out,
            List<Manifest.Entry> entries,
            IndexLayout layout,
            String subPrefix,
            boolean sealed) {
        if (entries == null) {
            return;
        }
        for (Manifest.Entry entry : entries) {
            if (!knownType(entry.type()) || !safeKey(entry.file()) || !safeKey(entry.idsFile())) {
                // A manifest is data from storage: an entry that would lead outside the index is
                // never followed.
                throw new IllegalStateException("manifest of an index names an unusable entry");
            }
            out.add(
                    new IndexDescription.Shard(
                            entry.type(),
                            layout.absolute(entry.file()),
                            layout.absolute(entry.idsFile()),
                            subPrefix + entry.file(),
                            entry.vectors(),
                            entry.bytes(),
                            entry.sha256(),
                            entry.dimension(),
                            entry.metric(),
                            entry.modelId(),
                            entry.modelSha256(),
                            sealed));
        }
    }

    private static boolean knownType(String type) {
        for (IndexType known : IndexType.values()) {
            if (known.key().equals(type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean safeKey(String key) {
        if (key == null || !key.startsWith("faiss/") || key.length() > 1024) {
            return false;
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPartitionOf(String prefix, String build) {
        String rest =
                build.isEmpty()
                        ? prefix
                        : prefix.startsWith(build + "/")
                                ? prefix.substring(build.length() + 1)
                                : null;
        return rest != null && rest.toLowerCase(Locale.ROOT).matches("part-\\d{1,4}-of-\\d{1,4}");
    }

    private static String strip(String folder) {
        return folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder;
    }
}
