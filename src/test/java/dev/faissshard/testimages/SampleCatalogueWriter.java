package dev.faissshard.testimages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a catalogue of generated product images: {@code <dir>/images/*.jpg} and {@code
 * <dir>/catalog.csv} with relative URLs. Used to make the bundled {@code samples/} set and
 * benchmark catalogues.
 *
 * <p>Usage: {@code SampleCatalogueWriter DIR COUNT SIZE [URL_BASE]}; with URL_BASE the CSV names
 * {@code URL_BASE/images/x.jpg} instead of relative paths.
 */
public final class SampleCatalogueWriter {

    private SampleCatalogueWriter() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        String urlBase = args.length > 3 ? args[3] : null;
        write(dir, count, size, urlBase);
    }

    public static void write(Path dir, int count, int size, String urlBase) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < count; i++) {
            ProductImageGenerator.Spec spec = ProductImageGenerator.catalogueSpec(i);
            String name =
                    String.format(
                            Locale.ROOT,
                            "%06d-%s-%s.jpg",
                            i + 1,
                            spec.paint().name().toLowerCase(Locale.ROOT),
                            spec.outline().name().toLowerCase(Locale.ROOT));
            Path file = images.resolve(name);
            if (!Files.exists(file)) {
                Files.write(
                        file,
                        ProductImageGenerator.jpeg(
                                ProductImageGenerator.render(spec, size), 0.88f));
            }
            csv.append(i + 1)
                    .append(',')
                    .append(urlBase == null ? "images/" + name : urlBase + "/images/" + name)
                    .append('\n');
        }
        Files.writeString(dir.resolve("catalog.csv"), csv);
    }
}
