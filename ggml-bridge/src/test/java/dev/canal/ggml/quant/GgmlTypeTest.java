package dev.canal.ggml.quant;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgmlTypeTest {
    @Test
    void idsAndSizesMatchGgml() {
        assertEquals(GgmlType.Q8_0, GgmlType.byId(8).orElseThrow());
        assertEquals(GgmlType.BF16, GgmlType.byId(30).orElseThrow());
        assertEquals(GgmlType.Q4_K, GgmlType.byId(12).orElseThrow());
        assertTrue(GgmlType.byId(4).isEmpty(), "Q4_2 was retired");
        assertTrue(GgmlType.byId(31).isEmpty(), "Q4_0_4_4 was removed from GGUF");
        assertTrue(GgmlType.byId(-1).isEmpty());
        assertTrue(GgmlType.byId(1000).isEmpty());
        // bytes per block from ggml-common.h's static asserts
        assertEquals(34, GgmlType.Q8_0.bytesPerBlock());
        assertEquals(18, GgmlType.Q4_0.bytesPerBlock());
        assertEquals(144, GgmlType.Q4_K.bytesPerBlock());
        assertEquals(176, GgmlType.Q5_K.bytesPerBlock());
        assertEquals(210, GgmlType.Q6_K.bytesPerBlock());
        assertEquals(84, GgmlType.Q2_K.bytesPerBlock());
        assertEquals(4096L / 32 * 34, GgmlType.Q8_0.rowBytes(4096));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_K.rowBytes(100));
    }

    @Test
    void supportedSetAndRefusal() {
        for (GgmlType t : GgmlType.values()) {
            boolean expected = switch (t) {
                case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
                default -> false;
            };
            assertEquals(expected, t.supported(), t.name());
            if (expected) assertEquals(t, QuantFormats.of(t, "x").type());
        }
        assertFalse(GgmlType.Q2_K.supported());
        CanalException e = assertThrows(CanalException.class,
                () -> QuantFormats.of(GgmlType.Q2_K, "blk.0.attn_q.weight"));
        assertEquals("tensor blk.0.attn_q.weight is Q2_K, which canal does not run yet (supported: F32, F16, Q4_0, Q4_1,"
                + " Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16)", e.getMessage());
    }
}
