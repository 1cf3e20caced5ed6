package dev.faissshard.image.webp;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * WebP files made by Debian's {@code cwebp} (package {@code webp}, installed by {@code
 * scripts/install-deps.sh}): neither the JDK nor TwelveMonkeys can write WebP.
 */
public final class WebPEncoder {

    private WebPEncoder() {}

    /** {@code image} (alpha kept) as lossy WebP at quality 80, or lossless. */
    public static byte[] encode(BufferedImage image, boolean lossless) {
        try {
            Path dir = Files.createTempDirectory("webp");
            try {
                Path png = dir.resolve("in.png");
                ImageIO.write(image, "png", png.toFile());
                return encode(png, lossless, dir);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(dir);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * libwebp's own decode of a WebP file at full size ({@code dwebp -pam}), alpha composited on
     * white.
     */
    public static BufferedImage decodeFullSize(Path webp, Path workDir) throws IOException {
        Path out = workDir.resolve(webp.getFileName() + ".pam");
        run(List.of("dwebp", "-quiet", "-pam", webp.toString(), "-o", out.toString()), webp);
        byte[] pam = Files.readAllBytes(out);
        Files.delete(out);
        String header =
                new String(
                        pam,
                        0,
                        Math.min(pam.length, 200),
                        java.nio.charset.StandardCharsets.US_ASCII);
        int width = Integer.parseInt(header.replaceAll("(?s).*WIDTH (\\d+).*", "$1"));
        int height = Integer.parseInt(header.replaceAll("(?s).*HEIGHT (\\d+).*", "$1"));
        int offset = header.indexOf("ENDHDR\n") + 7;
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] pixels = ((java.awt.image.DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            int p = offset + 4 * i;
            int a = pam[p + 3] & 0xFF;
            int r = ((pam[p] & 0xFF) * a + 127) / 255 + 255 - a;
            int g = ((pam[p + 1] & 0xFF) * a + 127) / 255 + 255 - a;
            int b = ((pam[p + 2] & 0xFF) * a + 127) / 255 + 255 - a;
            pixels[i] = r << 16 | g << 8 | b;
        }
        return rgb;
    }

    /** A PNG or JPEG file as WebP. */
    public static byte[] encode(Path source, boolean lossless, Path workDir) throws IOException {
        Path out =
                workDir.resolve(
                        source.getFileName() + (lossless ? ".lossless" : ".lossy") + ".webp");
        List<String> command = new ArrayList<>(List.of("cwebp", "-quiet"));
        command.addAll(lossless ? List.of("-lossless") : List.of("-q", "80", "-alpha_q", "100"));
        command.addAll(List.of(source.toString(), "-o", out.toString()));
        run(command, source);
        byte[] webp = Files.readAllBytes(out);
        Files.delete(out);
        return webp;
    }

    private static void run(List<String> command, Path source) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(
                        command.get(0) + " failed on " + source + ": " + output);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
