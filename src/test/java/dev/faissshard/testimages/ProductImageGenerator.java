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
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws product-like pictures labelled by shape and colour, deterministic for a given seed so that
 * tests and benchmarks are repeatable. Two scenes: {@link #render} is the tidy studio shot (one
 * object nearly centred and upright on white, square frame); {@link #renderUntidy} is what real
 * catalogues hold (any rotation, mirrored or not, anywhere in a non-square frame at 30-75% of its
 * shorter side, on white, tinted or gradient backgrounds, with a soft shadow and noise).
 */
public final class ProductImageGenerator {

    /**
     * Object outlines. The first eight are the tidy set's; the untidy set drops DIAMOND (under free
     * rotation it is a square) and adds outlines that differ from others only in detail: a square
     * with rounded corners, a six-pointed star, and a jar (a bottle with a short, wide neck).
     */
    public enum Outline {
        CIRCLE,
        SQUARE,
        TRIANGLE,
        STAR,
        RING,
        CROSS,
        DIAMOND,
        BOTTLE,
        ROUNDED_SQUARE,
        STAR6,
        JAR;

        /** The outlines of the tidy set. */
        public static final List<Outline> TIDY =
                List.of(CIRCLE, SQUARE, TRIANGLE, STAR, RING, CROSS, DIAMOND, BOTTLE);

        /** The outlines of the untidy set: ten, some differing only in detail. */
        public static final List<Outline> UNTIDY =
                List.of(
                        CIRCLE,
                        SQUARE,
                        ROUNDED_SQUARE,
                        TRIANGLE,
                        STAR,
                        STAR6,
                        RING,
                        CROSS,
                        BOTTLE,
                        JAR);
    }

    /** Product colours, spread over the hue circle plus dark and neutral tones. */
    public enum Paint {
        RED(0xD62828),
        ORANGE(0xF77F00),
        YELLOW(0xF2C500),
        GREEN(0x2A9D3F),
        TEAL(0x1A9E9E),
        BLUE(0x1F4FD1),
        PURPLE(0x7B2CBF),
        BROWN(0x7F4F24),
        PINK(0xE0489A),
        CHARCOAL(0x3A3A3A);

        /** The paints of the tidy set. */
        public static final List<Paint> TIDY =
                List.of(RED, ORANGE, YELLOW, GREEN, TEAL, BLUE, PURPLE, BROWN);

        /** The paints of the untidy set. */
        public static final List<Paint> UNTIDY = List.of(values());

        private final int rgb;

        Paint(int rgb) {
            this.rgb = rgb;
        }

        public Color color() {
            return new Color(rgb);
        }
    }

    /** What to draw. */
    public record Spec(Outline outline, Paint paint, long seed) {}

    private ProductImageGenerator() {}

    public static BufferedImage render(Spec spec, int size) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(
                    new Color(
                            250 - random.nextInt(8),
                            250 - random.nextInt(8),
                            250 - random.nextInt(8)));
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
            g.fill(
                    AffineTransform.getTranslateInstance(size * 0.02, size * 0.025)
                            .createTransformedShape(shape));
            Color base = shade(spec.paint().color(), random);
            g.setColor(base);
            g.fill(shape);
            g.setColor(base.darker());
            g.setStroke(new BasicStroke(Math.max(1f, size / 160f)));
            g.draw(shape);
        } finally {
            g.dispose();
        }
        addNoise(image, random, 6);
        return image;
    }

    /**
     * The untidy scene: a frame of {@code longSide} on its longer side and a random aspect (1:1 to
     * 16:9, either way up), the object rotated uniformly in 0-360 degrees, mirrored half of the
     * time, scaled so that its larger extent is 30-75% of the shorter side, and placed anywhere
     * with all of it inside the frame; white, tinted or gradient background; a soft offset shadow;
     * noise.
     */
    public static BufferedImage renderUntidy(Spec spec, int longSide) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        double[] aspects = {1.0, 4 / 3.0, 3 / 2.0, 16 / 9.0, 5 / 4.0};
        double aspect = aspects[random.nextInt(aspects.length)];
        boolean portrait = random.nextBoolean();
        int shortSide = (int) Math.round(longSide / aspect);
        int width = portrait ? shortSide : longSide;
        int height = portrait ? longSide : shortSide;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            paintBackground(g, width, height, random);
            AffineTransform pose = new AffineTransform();
            pose.rotate(random.nextDouble() * 2 * Math.PI);
            if (random.nextBoolean()) {
                pose.scale(-1, 1);
            }
            Shape posed = pose.createTransformedShape(outline(spec.outline()));
            Rectangle2D bounds = posed.getBounds2D();
            double extent = Math.max(bounds.getWidth(), bounds.getHeight());
            double scale = Math.min(width, height) * (0.30 + random.nextDouble() * 0.45) / extent;
            double w = bounds.getWidth() * scale;
            double h = bounds.getHeight() * scale;
            double left = random.nextDouble() * (width - w);
            double top = random.nextDouble() * (height - h);
            AffineTransform placement = new AffineTransform();
            placement.translate(left - bounds.getX() * scale, top - bounds.getY() * scale);
            placement.scale(scale, scale);
            Shape shape = placement.createTransformedShape(posed);
            double shadowAngle = random.nextDouble() * 2 * Math.PI;
            double shadowOffset = Math.min(width, height) * (0.01 + random.nextDouble() * 0.02);
            double blur = Math.min(width, height) * 0.012;
            // A soft shadow: the offset outline drawn several times at low opacity, each a little
            // further out.
            for (int ring = 4; ring >= 0; ring--) {
                g.setColor(new Color(0, 0, 0, 9));
                g.setStroke(
                        new BasicStroke(
                                (float) (blur * ring + 1),
                                BasicStroke.CAP_ROUND,
                                BasicStroke.JOIN_ROUND));
                Shape shadow =
                        AffineTransform.getTranslateInstance(
                                        shadowOffset * Math.cos(shadowAngle),
                                        shadowOffset * Math.sin(shadowAngle))
                                .createTransformedShape(shape);
                g.fill(shadow);
                g.draw(shadow);
            }
            Color base = shade(spec.paint().color(), random);
            g.setColor(base);
            g.fill(shape);
            g.setColor(base.darker());
            g.setStroke(new BasicStroke(Math.max(1f, Math.min(width, height) / 160f)));
            g.draw(shape);
        } finally {
            g.dispose();
        }
        addNoise(image, random, 3 + random.nextInt(6));
        return image;
    }

    /**
     * White, a light tint, or a linear gradient between two light tones, a third of the time each.
     */
    private static void paintBackground(
            Graphics2D g, int width, int height, SplittableRandom random) {
        int kind = random.nextInt(3);
        if (kind == 0) {
            g.setColor(
                    new Color(
                            250 - random.nextInt(8),
                            250 - random.nextInt(8),
                            250 - random.nextInt(8)));
            g.fillRect(0, 0, width, height);
            return;
        }
        Color first = lightTone(random);
        if (kind == 1) {
            g.setColor(first);
            g.fillRect(0, 0, width, height);
            return;
        }
        Color second = lightTone(random);
        double a = random.nextDouble() * 2 * Math.PI;
        float cx = width / 2f;
        float cy = height / 2f;
        float reach = Math.max(width, height) / 2f;
        g.setPaint(
                new java.awt.GradientPaint(
                        cx - reach * (float) Math.cos(a),
                        cy - reach * (float) Math.sin(a),
                        first,
                        cx + reach * (float) Math.cos(a),
                        cy + reach * (float) Math.sin(a),
                        second));
        g.fillRect(0, 0, width, height);
    }

    /** A pale neutral or tinted tone, as studio backdrops and table tops are. */
    private static Color lightTone(SplittableRandom random) {
        int base = 205 + random.nextInt(45);
        return new Color(
                clamp(base + random.nextInt(21) - 10),
                clamp(base + random.nextInt(21) - 10),
                clamp(base + random.nextInt(21) - 10));
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
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** The i-th spec of a catalogue that cycles through every outline and paint. */
    public static Spec catalogueSpec(long i) {
        List<Outline> outlines = Outline.TIDY;
        List<Paint> paints = Paint.TIDY;
        return new Spec(
                outlines.get((int) (i % outlines.size())),
                paints.get((int) ((i / outlines.size()) % paints.size())),
                0x5EEDL * 31 + i);
    }

    private static Color shade(Color color, SplittableRandom random) {
        float factor = 0.92f + random.nextFloat() * 0.16f;
        return new Color(
                Math.min(255, Math.round(color.getRed() * factor)),
                Math.min(255, Math.round(color.getGreen() * factor)),
                Math.min(255, Math.round(color.getBlue() * factor)));
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
                Area bottle =
                        new Area(new RoundRectangle2D.Double(-0.22, -0.15, 0.44, 0.65, 0.2, 0.2));
                bottle.add(new Area(new Rectangle2D.Double(-0.08, -0.5, 0.16, 0.4)));
                yield bottle;
            }
            case ROUNDED_SQUARE -> new RoundRectangle2D.Double(-0.42, -0.42, 0.84, 0.84, 0.4, 0.4);
            case STAR6 -> star(6, 0.55, 0.27);
            case JAR -> {
                Area jar =
                        new Area(new RoundRectangle2D.Double(-0.32, -0.25, 0.64, 0.75, 0.25, 0.25));
                jar.add(new Area(new Rectangle2D.Double(-0.2, -0.42, 0.4, 0.2)));
                yield jar;
            }
        };
    }

    private static Shape polygon(int corners, double radius, double start) {
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < corners; i++) {
            double a = start + i * 2 * Math.PI / corners;
            if (i == 0) {
                path.moveTo(radius * Math.cos(a), radius * Math.sin(a));
            } else {
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
            } else {
                path.lineTo(r * Math.cos(a), r * Math.sin(a));
            }
        }
        path.closePath();
        return path;
    }
}
