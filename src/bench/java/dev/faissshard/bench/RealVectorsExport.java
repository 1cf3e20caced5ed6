package dev.faissshard.bench;

import dev.faissshard.FaissShardBuilderApplication;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Embeds every picture of a directory through the service's own decoder and models and writes the
 * vectors of one index type to a file, for {@link TrainedIndexBenchmark}'s {@code real:} data: real
 * vectors have the structure of the service's models (most variance in a few directions, clusters
 * of similar products), which synthetic vectors only imitate.
 *
 * <p>The file: a little-endian int count, an int dimension, then count x dimension floats.
 *
 * <p>Usage: {@code RealVectorsExport IMAGE_DIR OUT_FILE [TYPE=combined]}
 */
public final class RealVectorsExport {

    private static final int BATCH = 64;

    private RealVectorsExport() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        IndexType type = args.length > 2 ? IndexType.fromKey(args[2]) : IndexType.COMBINED;
        List<Path> files;
        try (Stream<Path> listed = Files.list(dir)) {
            files = listed.filter(Files::isRegularFile).sorted().toList();
        }
        try (ConfigurableApplicationContext context =
                new SpringApplicationBuilder(FaissShardBuilderApplication.class)
                        .web(WebApplicationType.NONE)
                        .run(
                                "--fsb.embedding.intra-op-threads=1",
                                "--logging.level.root=WARN",
                                "--spring.main.banner-mode=off")) {
            ImageDecoder decoder = context.getBean(ImageDecoder.class);
            EmbeddingService embeddings = context.getBean(EmbeddingService.class);
            int dimension = embeddings.model(type).dimension();
            List<float[]> batches = new ArrayList<>();
            int count = 0;
            int rejected = 0;
            List<BufferedImage> batch = new ArrayList<>();
            for (Path file : files) {
                try {
                    batch.add(decoder.decode(Files.readAllBytes(file)));
                } catch (ImageRejectedException ex) {
                    rejected++;
                }
                if (batch.size() == BATCH) {
                    batches.add(embeddings.embed(batch, EnumSet.of(type)).get(type));
                    count += batch.size();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                batches.add(embeddings.embed(batch, EnumSet.of(type)).get(type));
                count += batch.size();
            }
            try (OutputStream file = Files.newOutputStream(out);
                    DataOutputStream data = new DataOutputStream(file)) {
                ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                header.putInt(count).putInt(dimension);
                data.write(header.array());
                for (float[] vectors : batches) {
                    ByteBuffer buffer =
                            ByteBuffer.allocate(vectors.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    buffer.asFloatBuffer().put(vectors);
                    data.write(buffer.array());
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d %s vectors of %d floats written to %s (%d pictures rejected)%n",
                    count,
                    type.key(),
                    dimension,
                    out,
                    rejected);
        }
    }
}
