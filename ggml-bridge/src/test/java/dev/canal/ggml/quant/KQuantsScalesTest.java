package dev.canal.ggml.quant;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernels' all-at-once unpacking of Q4_K/Q5_K's 12 scale bytes against the per-sub-block get_scale_min_k4. */
class KQuantsScalesTest {

    @Test
    void scales8AndMins8MatchScaleK4AndMinK4OnArbitraryBytes() {
        Random r = new Random(5);
        byte[] packed = new byte[12];
        for (int trial = 0; trial < 20_000; trial++) {
            r.nextBytes(packed);
            if (trial < 2) java.util.Arrays.fill(packed, (byte) (trial == 0 ? 0 : -1));  // all bits clear / set
            ByteBuffer bb = ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN);
            long lo = bb.getLong(0);
            int hi = bb.getInt(8);
            long scales = KQuants.scales8(lo, hi);
            long mins = KQuants.mins8(lo, hi);
            for (int j = 0; j < 8; j++) {
                assertEquals(KQuants.scaleK4(j, packed), (int) (scales >>> (8 * j)) & 0xFF, "scale " + j);
                assertEquals(KQuants.minK4(j, packed), (int) (mins >>> (8 * j)) & 0xFF, "min " + j);
            }
        }
    }
}
