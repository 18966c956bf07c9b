package dev.sparkcnn.driver.data;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Counter-based seeds: SplitMix64's published values, purity, sensitivity to every coordinate, unique sample keys. */
class SeedsTest {

    @Test
    void splitmixIsTheStandardFinaliser() {
        // SplitMix64 (Steele, Lea, Flood 2014; Vigna's splitmix64.c) seeded with 0 returns these first three values:
        // each is mix(state += 0x9E3779B97F4A7C15)
        long gamma = 0x9E3779B97F4A7C15L;
        assertEquals(0xE220A8397B1DCDAFL, Seeds.splitmix(gamma));
        assertEquals(0x6E789E6AA1B965F4L, Seeds.splitmix(2 * gamma));
        assertEquals(0x06C45D188009454FL, Seeds.splitmix(3 * gamma));
    }

    @Test
    void mixIsAPureFunctionOfItsPartsInOrder() {
        assertEquals(Seeds.mix(1, 2, 3), Seeds.mix(1, 2, 3));
        // by the definition: h = splitmix(h ^ splitmix(part + gamma)) from h = pi's fraction
        long h = 0x243F6A8885A308D3L;
        for (long p : new long[] {1, 2, 3}) h = Seeds.splitmix(h ^ Seeds.splitmix(p + 0x9E3779B97F4A7C15L));
        assertEquals(h, Seeds.mix(1, 2, 3));
        assertNotEquals(Seeds.mix(1, 2, 3), Seeds.mix(1, 3, 2), "order matters");
        assertNotEquals(Seeds.mix(1, 2), Seeds.mix(1, 2, 0), "length matters");
        Set<Long> seen = new HashSet<>();
        for (long seed = 0; seed < 4; seed++) for (long e = 0; e < 50; e++) for (long r = 0; r < 50; r++) seen.add(Seeds.mix(seed, 0xA06L, e, r));
        assertEquals(4 * 50 * 50, seen.size(), "no collisions over (seed, epoch, record)");
    }

    @Test
    void augmentationBitsAreBalanced() {
        int flips = 0, n = 20_000;
        for (int r = 0; r < n; r++) flips += (int) ((Seeds.mix(1, 0xA06L, 0, r) >>> 40) & 1);
        assertTrue(Math.abs(flips - n / 2) < 4 * Math.sqrt(n / 4.0), "flip probability 1/2: " + flips + " of " + n);
    }

    @Test
    void sampleKeysAreUniquePerEpochAndRecord() {
        Set<Long> keys = new HashSet<>();
        for (long e = 0; e < 100; e++) {
            for (long r : new long[] {0, 1, 49_999, 1L << 39, (1L << 40) - 1}) assertTrue(keys.add(Seeds.sampleKey(e, r)), e + "/" + r);
        }
        assertEquals((3L << 40) ^ 17, Seeds.sampleKey(3, 17));
    }
}
