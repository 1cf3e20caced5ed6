package dev.faissshard.embedding;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.faissshard.embedding.UserModelProperties.ChannelOrder;
import dev.faissshard.embedding.UserModelProperties.Layout;
import dev.faissshard.embedding.UserModelProperties.PixelRange;
import dev.faissshard.embedding.UserModelProperties.ResizeMode;

import static org.assertj.core.api.Assertions.assertThat;

class ImageTensorTests {

    private static final Preprocessing CROP = new Preprocessing(16, ResizeMode.SHORTER_SIDE_CROP, PixelRange.UNIT,
            new float[] { 0.5f, 0.4f, 0.3f }, new float[] { 0.2f, 0.25f, 0.3f }, ChannelOrder.BGR, Layout.NHWC);

    @Test
    void packedRgbRastersReadInPlaceGiveTheSameTensorAsTheGeneralPath() {
        BufferedImage rgb = noise(BufferedImage.TYPE_INT_RGB, 70, 45);
        BufferedImage bgr = copy(rgb, BufferedImage.TYPE_3BYTE_BGR);
        for (Preprocessing preprocessing : new Preprocessing[] { Preprocessing.builtin(16), CROP }) {
            assertThat(resize(rgb, preprocessing)).containsExactly(resize(bgr, preprocessing));
        }
    }

    @Test
    void aSubimageIsReadFromItsOwnCornerOfTheSharedRaster() {
        BufferedImage whole = noise(BufferedImage.TYPE_INT_ARGB, 90, 60);
        BufferedImage part = whole.getSubimage(17, 9, 40, 33);
        BufferedImage copied = copy(part, BufferedImage.TYPE_3BYTE_BGR);
        assertThat(resize(part, CROP)).containsExactly(resize(copied, CROP));
        assertThat(resize(part, Preprocessing.builtin(16))).containsExactly(resize(copied, Preprocessing.builtin(16)));
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
