package dev.faissshard.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.image.webp.WebPEncoder;
import dev.faissshard.testimages.ProductImageGenerator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What the native PNG and WebP decoders change in the index: the built-in models' vectors of real
 * and generated pictures decoded natively against the same pictures decoded by the ImageIO readers
 * (as before), for every index type.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class NativeDecodingEmbeddingsTests {

    @TempDir static Path storage;

    @Autowired ImageDecoder decoder;

    @Autowired ImageProperties properties;

    @Autowired EmbeddingService embeddings;

    @DynamicPropertySource
    static void storage(DynamicPropertyRegistry registry) {
        registry.add("fsb.storage.local.root", () -> storage.toString());
    }

    @Test
    void nativelyDecodedPngsAndWebPsEmbedAsBefore(@TempDir Path work) throws Exception {
        List<byte[]> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Path> real = RealImages.pngs(24);
        assertThat(real).hasSizeGreaterThanOrEqualTo(20);
        for (int i = 0; i < real.size(); i++) {
            files.add(Files.readAllBytes(real.get(i)));
            files.add(WebPEncoder.encode(real.get(i), i % 3 == 0, work));
            names.add(real.get(i).toString());
            names.add(real.get(i) + (i % 3 == 0 ? " as lossless WebP" : " as lossy WebP"));
        }
        for (int i = 0; i < 12; i++) {
            BufferedImage product = productWithAlpha(256 + 61 * i, 200 + 83 * i, i);
            files.add(png(product));
            files.add(WebPEncoder.encode(product, i % 3 == 0));
            names.add("product " + i);
            names.add("product " + i + " as WebP");
        }
        ImageDecoder before = ImageDecoder.imageIoOnly(properties);
        List<BufferedImage> now = new ArrayList<>();
        List<BufferedImage> then = new ArrayList<>();
        for (byte[] file : files) {
            now.add(decoder.decode(file));
            then.add(before.decode(file));
        }
        EnumSet<IndexType> types = EnumSet.allOf(IndexType.class);
        Map<IndexType, float[]> a = embeddings.embed(now, types);
        Map<IndexType, float[]> b = embeddings.embed(then, types);
        for (IndexType type : types) {
            int dimension = a.get(type).length / files.size();
            double worstPng = 1;
            double worstWebP = 1;
            String worstWebPName = "";
            for (int i = 0; i < files.size(); i++) {
                double c = cosine(a.get(type), b.get(type), i * dimension, dimension);
                // Files alternate: PNG, then the same picture as WebP.
                if (i % 2 == 0) {
                    worstPng = Math.min(worstPng, c);
                } else if (c < worstWebP) {
                    worstWebP = c;
                    worstWebPName = names.get(i);
                }
            }
            System.out.printf(
                    "%s: lowest cosine to the ImageIO decode over %d PNGs %.5f, over %d WebPs %.5f%n",
                    type.key(), files.size() / 2, worstPng, files.size() / 2, worstWebP);
            // PNG: the same pixels. WebP: libwebp, the reference decoder, upsamples chroma smoothly
            // and scales
            // by averaging where TwelveMonkeys repeats chroma and subsamples (scaled products
            // measured 0.998
            // for colour); lossy pictures with alpha or fine detail differ most: 0.968 for colour
            // (a
            // 256-pixel emblem) and 0.973 for structure (a grub splash) over this sample.
            assertThat(worstPng).as(type.key() + " PNG").isGreaterThanOrEqualTo(0.9999);
            assertThat(worstWebP)
                    .as(type.key() + " WebP, worst: " + worstWebPName)
                    .isGreaterThanOrEqualTo(0.96);
        }
    }

    private static double cosine(float[] a, float[] b, int from, int length) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = from; i < from + length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static BufferedImage productWithAlpha(int width, int height, long seed) {
        BufferedImage square =
                ProductImageGenerator.render(
                        ProductImageGenerator.catalogueSpec(seed), Math.max(width, height));
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = (x + 0.5) / width - 0.5;
                double dy = (y + 0.5) / height - 0.5;
                int alpha =
                        (int)
                                Math.round(
                                        255
                                                * Math.max(
                                                        0,
                                                        Math.min(
                                                                1,
                                                                1.6
                                                                        - 2.8
                                                                                * Math.sqrt(
                                                                                        dx * dx
                                                                                                + dy
                                                                                                        * dy))));
                out.setRGB(x, y, alpha << 24 | (square.getRGB(x, y) & 0xFFFFFF));
            }
        }
        return out;
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
