package dev.faissshard.testimages;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.faissshard.testimages.ProductImageGenerator.Outline;
import dev.faissshard.testimages.ProductImageGenerator.Paint;
import dev.faissshard.testimages.ProductImageGenerator.Spec;

/**
 * A labelled evaluation catalogue: every outline in every paint, several jittered variants of each
 * (position, scale, rotation, shade, noise, JPEG quality), plus near-duplicate groups (an original and
 * its four edits). Written as JPEGs with a CSV catalogue; ids are the keys of {@link #labels()}.
 */
public final class LabelledSet {

    /** What an image shows, and for near-duplicates the group it belongs to (-1 for none). */
    public record Label(Outline outline, Paint paint, int group, boolean original) {
    }

    private final Map<String, Label> labels = new LinkedHashMap<>();
    private final Path catalogue;

    private LabelledSet(Path catalogue) {
        this.catalogue = catalogue;
    }

    /** Writes {@code variants} pictures per outline and paint, and {@code groups} near-duplicate groups. */
    public static LabelledSet write(Path dir, int variants, int groups, int size) throws IOException {
        LabelledSet set = new LabelledSet(dir.resolve("catalog.csv"));
        Path images = Files.createDirectories(dir.resolve("images"));
        StringBuilder csv = new StringBuilder("id,image_url\n");
        int id = 1;
        for (Outline outline : Outline.values()) {
            for (Paint paint : Paint.values()) {
                for (int variant = 0; variant < variants; variant++) {
                    Spec spec = new Spec(outline, paint, 7_000_003L * id + 11);
                    float quality = 0.7f + 0.05f * (variant % 5);
                    set.add(csv, images, id++, ProductImageGenerator.render(spec, size), quality,
                            new Label(outline, paint, -1, false));
                }
            }
        }
        for (int group = 0; group < groups; group++) {
            Spec spec = new Spec(Outline.values()[group % Outline.values().length],
                    Paint.values()[(group * 3 + group / 8) % Paint.values().length], 9_000_011L * group + 5);
            BufferedImage original = ProductImageGenerator.render(spec, size);
            set.add(csv, images, id++, original, 0.85f, new Label(spec.outline(), spec.paint(), group, true));
            for (BufferedImage edit : NearDuplicates.of(original)) {
                set.add(csv, images, id++, edit, 0.85f, new Label(spec.outline(), spec.paint(), group, false));
            }
        }
        Files.writeString(set.catalogue, csv);
        return set;
    }

    public Path catalogue() {
        return catalogue;
    }

    public Map<String, Label> labels() {
        return labels;
    }

    public List<String> ids() {
        return List.copyOf(labels.keySet());
    }

    private void add(StringBuilder csv, Path images, int id, BufferedImage image, float quality, Label label)
            throws IOException {
        String name = id + ".jpg";
        Files.write(images.resolve(name), ProductImageGenerator.jpeg(image, quality));
        csv.append(id).append(",images/").append(name).append('\n');
        labels.put(Integer.toString(id), label);
    }
}
