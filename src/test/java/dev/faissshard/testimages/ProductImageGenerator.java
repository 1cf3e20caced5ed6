package dev.faissshard.testimages;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws product-like pictures: one coloured object on a white background, with jitter in position,
 * scale and rotation, a soft shadow and light noise, labelled by shape and colour. Deterministic for a
 * given seed, so tests and benchmarks are repeatable.
 */
public final class ProductImageGenerator {

    /** Object outlines; distinct enough that a structure descriptor can tell them apart. */
    public enum Outline {
        CIRCLE, SQUARE, TRIANGLE, STAR, RING, CROSS, DIAMOND, BOTTLE
    }

    /** Product colours, spread over the hue circle plus dark and neutral tones. */
    public enum Paint {
        RED(0xD62828), ORANGE(0xF77F00), YELLOW(0xF2C500), GREEN(0x2A9D3F), TEAL(0x1A9E9E), BLUE(0x1F4FD1),
        PURPLE(0x7B2CBF), BROWN(0x7F4F24);

        private final int rgb;

        Paint(int rgb) {
            this.rgb = rgb;
        }

        public Color color() {
            return new Color(rgb);
        }
    }

    /** What to draw. */
    public record Spec(Outline outline, Paint paint, long seed) {
    }

    private ProductImageGenerator() {
    }

    public static BufferedImage render(Spec spec, int size) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(250 - random.nextInt(8), 250 - random.nextInt(8), 250 - random.nextInt(8)));
            g.fillRect(0, 0, size, size);
            double scale = size * (0.55 + random.nextDouble() * 0.2);
            double cx = size / 2.0 + (random.nextDouble() - 0.5) * size * 0.16;
            double cy = size / 2.0 + (random.nextDouble() - 0.5) * size * 0.16;
            double angle = Math.toRadians((random.nextDouble() - 0.5) * 24);
            AffineTransform placement = new AffineTransform();
            placement.translate(cx, cy);
            placement.rotate(angle);
            placement.scale(scale, scale);
            Shape shape = placement.createTransformedShape(outline(spec.outline()));
            g.setColor(new Color(0, 0, 0, 28));
            g.fill(AffineTransform.getTranslateInstance(size * 0.02, size * 0.025).createTransformedShape(shape));
            Color base = shade(spec.paint().color(), random);
            g.setColor(base);
            g.fill(shape);
            g.setColor(base.darker());
            g.setStroke(new BasicStroke(Math.max(1f, size / 160f)));
            g.draw(shape);
        }
        finally {
            g.dispose();
        }
        addNoise(image, random, 6);
        return image;
    }

    public static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** The i-th spec of a catalogue that cycles through every outline and paint. */
    public static Spec catalogueSpec(long i) {
        Outline[] outlines = Outline.values();
        Paint[] paints = Paint.values();
        return new Spec(outlines[(int) (i % outlines.length)], paints[(int) ((i / outlines.length) % paints.length)],
                0x5EEDL * 31 + i);
    }

    private static Color shade(Color color, SplittableRandom random) {
        float factor = 0.92f + random.nextFloat() * 0.16f;
        return new Color(Math.min(255, Math.round(color.getRed() * factor)),
                Math.min(255, Math.round(color.getGreen() * factor)), Math.min(255, Math.round(color.getBlue() * factor)));
    }

    private static void addNoise(BufferedImage image, SplittableRandom random, int amplitude) {
        int width = image.getWidth();
        int[] row = new int[width];
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int noise = random.nextInt(2 * amplitude + 1) - amplitude;
                int rgb = row[x];
                int r = clamp(((rgb >> 16) & 0xFF) + noise);
                int gr = clamp(((rgb >> 8) & 0xFF) + noise);
                int b = clamp((rgb & 0xFF) + noise);
                row[x] = (r << 16) | (gr << 8) | b;
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }

    /** Unit-sized outlines centred on the origin. */
    private static Shape outline(Outline outline) {
        return switch (outline) {
            case CIRCLE -> new Ellipse2D.Double(-0.5, -0.5, 1, 1);
            case SQUARE -> new Rectangle2D.Double(-0.42, -0.42, 0.84, 0.84);
            case TRIANGLE -> polygon(3, 0.55, -Math.PI / 2);
            case STAR -> star(5, 0.55, 0.22);
            case RING -> {
                Area ring = new Area(new Ellipse2D.Double(-0.5, -0.5, 1, 1));
                ring.subtract(new Area(new Ellipse2D.Double(-0.28, -0.28, 0.56, 0.56)));
                yield ring;
            }
            case CROSS -> {
                Area cross = new Area(new Rectangle2D.Double(-0.5, -0.14, 1, 0.28));
                cross.add(new Area(new Rectangle2D.Double(-0.14, -0.5, 0.28, 1)));
                yield cross;
            }
            case DIAMOND -> polygon(4, 0.55, -Math.PI / 2);
            case BOTTLE -> {
                Area bottle = new Area(new RoundRectangle2D.Double(-0.22, -0.15, 0.44, 0.65, 0.2, 0.2));
                bottle.add(new Area(new Rectangle2D.Double(-0.08, -0.5, 0.16, 0.4)));
                yield bottle;
            }
        };
    }

    private static Shape polygon(int corners, double radius, double start) {
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < corners; i++) {
            double a = start + i * 2 * Math.PI / corners;
            if (i == 0) {
                path.moveTo(radius * Math.cos(a), radius * Math.sin(a));
            }
            else {
                path.lineTo(radius * Math.cos(a), radius * Math.sin(a));
            }
        }
        path.closePath();
        return path;
    }

    private static Shape star(int points, double outer, double inner) {
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < points * 2; i++) {
            double r = i % 2 == 0 ? outer : inner;
            double a = -Math.PI / 2 + i * Math.PI / points;
            if (i == 0) {
                path.moveTo(r * Math.cos(a), r * Math.sin(a));
            }
            else {
                path.lineTo(r * Math.cos(a), r * Math.sin(a));
            }
        }
        path.closePath();
        return path;
    }
}
