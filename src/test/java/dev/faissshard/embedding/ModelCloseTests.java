package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Closing the models while job threads still embed, as a shutdown past its grace does: every run
 * either finishes with its vectors or is refused as closed, and the session is never freed under a
 * run (which crashed the JVM inside ONNX Runtime before).
 */
class ModelCloseTests {

    @Test
    void closeWhileThreadsEmbedWaitsForTheirRunsAndLaterRunsAreRefused() throws Exception {
        OnnxEmbeddingService service =
                ModelLoader.load(
                        new Binder(new MapConfigurationPropertySource(Map.of()))
                                .bindOrCreate("fsb.embedding", EmbeddingProperties.class));
        List<BufferedImage> batch = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            batch.add(picture(i));
        }
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch running = new CountDownLatch(2);
        List<Future<int[]>> outcomes = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            outcomes.add(
                    threads.submit(
                            () -> {
                                int embedded = 0;
                                int refused = 0;
                                running.countDown();
                                for (int round = 0; round < 400; round++) {
                                    try {
                                        Map<IndexType, float[]> vectors =
                                                service.embed(
                                                        batch, EnumSet.allOf(IndexType.class));
                                        assertThat(vectors.get(IndexType.COLOR))
                                                .hasSize(
                                                        32
                                                                * service.model(IndexType.COLOR)
                                                                        .dimension());
                                        embedded++;
                                    } catch (ModelClosedException closed) {
                                        refused++;
                                    }
                                }
                                return new int[] {embedded, refused};
                            }));
        }
        running.await();
        Thread.sleep(50);
        service.close();
        int refused = 0;
        for (Future<int[]> outcome : outcomes) {
            int[] counts = outcome.get(5, TimeUnit.MINUTES);
            assertThat(counts[0] + counts[1]).isEqualTo(400);
            refused += counts[1];
        }
        threads.shutdown();
        assertThat(refused).as("runs after close are refused, not crashed").isPositive();
        assertThatThrownBy(() -> service.embed(batch, EnumSet.of(IndexType.STRUCTURE)))
                .isInstanceOf(ModelClosedException.class);
        service.close();
    }

    private static BufferedImage picture(int seed) {
        BufferedImage image = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 96, 96);
        g.setColor(new Color(Color.HSBtoRGB(seed / 32f, 0.8f, 0.9f)));
        g.fillOval(10 + seed % 20, 15, 50, 40 + seed % 30);
        g.dispose();
        return image;
    }
}
