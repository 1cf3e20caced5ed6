package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IdSetTests {

    @Test
    void behavesLikeASetOfLongsThroughGrowth() {
        IdSet ids = new IdSet();
        Set<Long> reference = new HashSet<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 50_000; i++) {
            long id = random.nextInt(4) == 0 ? random.nextLong(1000) : random.nextLong();
            assertThat(ids.add(id)).isEqualTo(reference.add(id));
        }
        assertThat(ids.size()).isEqualTo(reference.size());
        for (long id : reference) {
            assertThat(ids.contains(id)).isTrue();
        }
        assertThat(ids.contains(-12345)).isEqualTo(reference.contains(-12345L));
    }

    @Test
    void holdsTheValueItUsesAsEmptyMarker() {
        IdSet ids = new IdSet();
        assertThat(ids.contains(Long.MIN_VALUE)).isFalse();
        assertThat(ids.add(Long.MIN_VALUE)).isTrue();
        assertThat(ids.add(Long.MIN_VALUE)).isFalse();
        assertThat(ids.contains(Long.MIN_VALUE)).isTrue();
        assertThat(ids.size()).isEqualTo(1);
    }
}
