package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IdFileTests {

    @Test
    void roundTripsIdsIncludingAwkwardCharacters() {
        List<IdFile.Entry> entries =
                List.of(
                        new IdFile.Entry(1, "1"),
                        new IdFile.Entry(
                                4_611_686_018_427_387_904L, "3f2c1b9e-8a7d-4c3e-9b1a-0d2e4f6a8b0c"),
                        new IdFile.Entry(7, "tab\there"),
                        new IdFile.Entry(8, "line\nbreak\\slash"),
                        new IdFile.Entry(9, "ünï"));
        assertThat(IdFile.read(IdFile.write(entries))).isEqualTo(entries);
    }

    @Test
    void writesOneTabSeparatedLinePerVector() {
        byte[] data =
                IdFile.write(List.of(new IdFile.Entry(10, "10"), new IdFile.Entry(11, "sku-11")));
        assertThat(new String(data, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("10\t10\n11\tsku-11\n");
    }

    @Test
    void rejectsLinesWithoutTab() {
        assertThatThrownBy(() -> IdFile.read("12 oops\n".getBytes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 1");
    }
}
