package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.faissshard.embedding.UserModelProperties.ChannelOrder;
import dev.faissshard.embedding.UserModelProperties.Layout;
import dev.faissshard.embedding.UserModelProperties.PixelRange;
import dev.faissshard.embedding.UserModelProperties.ResizeMode;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageTensorTests {

    private static final Preprocessing CROP =
            new Preprocessing(
                    16,
                    ResizeMode.SHORTER_SIDE_CROP,
                    PixelRange.UNIT,
                    new float[] {0.5f, 0.4f, 0.3f},
                    new float[] {0.2f, 0.25f, 0.3f},
                    ChannelOrder.BGR,
                    Layout.NHWC);

    @Test
    void packedRgbRastersReadInPlaceGiveTheSameTensorAsTheGeneralPath() {
        BufferedImage rgb = noise(BufferedImage.TYPE_INT_RGB, 70, 45);
        BufferedImage bgr = copy(rgb, BufferedImage.TYPE_3BYTE_BGR);
        for (Preprocessing preprocessing : new Preprocessing[] {Preprocessing.builtin(16), CROP}) {
            assertThat(resize(rgb, preprocessing)).containsExactly(resize(bgr, preprocessing));
        }
    }

    @Test
    void areaResizeIsTheOverlapWeightedAverageOfTheSourcePixels() {
        // Sizes that share no factor with the output, so every column and row straddles pixels.
        BufferedImage image = noise(BufferedImage.TYPE_INT_RGB, 83, 57);
        int size = 16;
        float[] out = resize(image, Preprocessing.builtin(size));
        double scaleX = 83.0 / size;
        double scaleY = 57.0 / size;
        for (int oy = 0; oy < size; oy++) {
            for (int ox = 0; ox < size; ox++) {
                double[] sum = new double[3];
                for (int sy = 0; sy < 57; sy++) {
                    double wy = overlap(oy * scaleY, (oy + 1) * scaleY, sy);
                    for (int sx = 0; sx < 83 && wy > 0; sx++) {
                        double w = wy * overlap(ox * scaleX, (ox + 1) * scaleX, sx);
                        int rgb = image.getRGB(sx, sy);
                        sum[0] += w * ((rgb >> 16) & 0xFF);
                        sum[1] += w * ((rgb >> 8) & 0xFF);
                        sum[2] += w * (rgb & 0xFF);
                    }
                }
                for (int c = 0; c < 3; c++) {
                    double expected = sum[c] / (scaleX * scaleY) / 255;
                    assertThat(out[c * size * size + oy * size + ox])
                            .isCloseTo((float) expected, within(1e-4f));
                }
            }
        }
    }

    @Test
    void resizingReusesItsRowBuffersWithoutCarryingOnePictureIntoTheNext() {
        BufferedImage large = noise(BufferedImage.TYPE_INT_RGB, 120, 90);
        BufferedImage small = noise(BufferedImage.TYPE_INT_RGB, 40, 30);
        Preprocessing pad = Preprocessing.builtin(16, ResizeMode.PAD);
        float[] alone = resize(small, pad);
        resize(large, pad);
        assertThat(resize(small, pad)).containsExactly(alone);
        assertThat(ImageTensor.tensorOf(small, pad)).containsExactly(alone);
    }

    private static double overlap(double from, double to, int pixel) {
        return Math.max(0, Math.min(to, pixel + 1) - Math.max(from, pixel));
    }

    @Test
    void aSubimageIsReadFromItsOwnCornerOfTheSharedRaster() {
        BufferedImage whole = noise(BufferedImage.TYPE_INT_ARGB, 90, 60);
        BufferedImage part = whole.getSubimage(17, 9, 40, 33);
        BufferedImage copied = copy(part, BufferedImage.TYPE_3BYTE_BGR);
        assertThat(resize(part, CROP)).containsExactly(resize(copied, CROP));
        assertThat(resize(part, Preprocessing.builtin(16)))
                .containsExactly(resize(copied, Preprocessing.builtin(16)));
    }

    @Test
    void padKeepsTheAspectRatioAndFillsTheMarginWithTheMedianEdgeColour() {
        // 32 x 16 into 16 x 16: every output pixel of the centred 16 x 8 content averages a 2 x 2
        // block.
        BufferedImage wide = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                wide.setRGB(x, y, (x * 8) << 16 | (y * 16) << 8 | 100);
            }
        }
        float[] out = resize(wide, Preprocessing.builtin(16, ResizeMode.PAD));
        float[][] content = new float[3][16 * 8];
        for (int cy = 0; cy < 8; cy++) {
            for (int cx = 0; cx < 16; cx++) {
                content[0][cy * 16 + cx] = (2 * cx + 0.5f) * 8 / 255f;
                content[1][cy * 16 + cx] = (2 * cy + 0.5f) * 16 / 255f;
                content[2][cy * 16 + cx] = 100 / 255f;
            }
        }
        float[][] edge = new float[3][2 * 16 + 2 * 8 - 4];
        int edges = 0;
        for (int cy = 0; cy < 8; cy++) {
            for (int cx = 0; cx < 16; cx++) {
                if (cy == 0 || cy == 7 || cx == 0 || cx == 15) {
                    for (int c = 0; c < 3; c++) {
                        edge[c][edges] = content[c][cy * 16 + cx];
                    }
                    edges++;
                }
            }
        }
        float[] margin = new float[3];
        for (int c = 0; c < 3; c++) {
            Arrays.sort(edge[c]);
            margin[c] = (edge[c][edges / 2 - 1] + edge[c][edges / 2]) / 2;
        }
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                for (int c = 0; c < 3; c++) {
                    float expected = y >= 4 && y < 12 ? content[c][(y - 4) * 16 + x] : margin[c];
                    assertThat(out[c * 256 + y * 16 + x])
                            .as("channel %d at %d,%d", c, x, y)
                            .isCloseTo(expected, within(1e-4f));
                }
            }
        }
    }

    @Test
    void anObjectAgainstTheEdgeDoesNotTintThePadMargin() {
        // A grey backdrop, and a red object covering a third of the picture's left edge (a crop
        // through it).
        BufferedImage cropped = new BufferedImage(60, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 60; x++) {
                cropped.setRGB(x, y, x < 20 && y >= 10 && y < 20 ? 0xC02020 : 0xDCDCDC);
            }
        }
        float[] out = resize(cropped, Preprocessing.builtin(16, ResizeMode.PAD));
        for (int c = 0; c < 3; c++) {
            // Row 0 is margin: the backdrop's 0xDC, where the mean of the edge would be tinted red.
            assertThat(out[c * 256]).as("channel %d", c).isCloseTo(0xDC / 255f, within(1e-4f));
        }
    }

    private static float[] resize(BufferedImage image, Preprocessing preprocessing) {
        float[] out = new float[ImageTensor.values(preprocessing)];
        ImageTensor.resize(image, preprocessing, out);
        return out;
    }

    private static BufferedImage noise(int type, int width, int height) {
        SplittableRandom random = new SplittableRandom(width * 31L + height);
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, 0xFF000000 | random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static BufferedImage copy(BufferedImage source, int type) {
        BufferedImage out = new BufferedImage(source.getWidth(), source.getHeight(), type);
        for (int y = 0; y < source.getHeight(); y++) {
            for (int x = 0; x < source.getWidth(); x++) {
                out.setRGB(x, y, source.getRGB(x, y));
            }
        }
        return out;
    }
}
