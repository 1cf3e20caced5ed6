package dev.faissshard.image;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How images are decoded.
 *
 * @param maxPixels images whose header declares more pixels are refused before any pixel is decoded
 *     (decompression bombs)
 * @param decodeSize the decoded raster keeps at least this many pixels on its shorter side; larger
 *     sources are decoded at reduced resolution, since the models need only small inputs
 */
@Validated
@ConfigurationProperties("fsb.image")
public record ImageProperties(
        @DefaultValue("50000000") @Min(1) long maxPixels,
        @DefaultValue("128") @Min(16) @Max(4096) int decodeSize) {}
