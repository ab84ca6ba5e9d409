package dev.canal.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** How many layers a GPU takes, from the tensors' sizes and its free memory (the arithmetic; no GPU needed). */
class OffloadPlanTest {
    private static final int AUTO = OffloadPlan.AUTO;

    /** 4 layers of 100 bytes (two tensors each), embedding 48, final norm 4, and an lm_head of 48 unless tied. */
    private static WeightStore model(boolean tied) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        put(t, "model.embed_tokens.weight", 48);
        for (int l = 0; l < 4; l++) {
            put(t, "model.layers." + l + ".self_attn.q_proj.weight", 60);
            put(t, "model.layers." + l + ".mlp.down_proj.weight", 40);
        }
        put(t, "model.norm.weight", 4);
        if (!tied) put(t, "lm_head.weight", 48);
        return new WeightStore() {
            public String source() {
                return "m";
            }

            public Set<String> names() {
                return t.keySet();
            }

            public Optional<Tensor> find(String name) {
                return Optional.ofNullable(t.get(name));
            }

            public void close() {
            }
        };
    }

    private static void put(Map<String, Tensor> t, String name, int bytes) {
        t.put(name, new Tensor(name, DType.F32, new long[] {bytes / 4}, MemorySegment.ofArray(new float[bytes / 4])));
    }

    private static OffloadPlan plan(boolean tied, long free, int requested) {
        return OffloadPlan.plan(model(tied), 4, "cuda:0 (G)", free, 1000, 0, false, requested);
    }

    @Test
    void aModelThatFitsRunsWhollyOnTheGpu() {
        OffloadPlan p = plan(false, 500, AUTO);
        assertTrue(p.whole());
        assertEquals(500, p.gpuBytes());
        assertEquals(0, p.cpuBytes());
        assertEquals("cuda:0", p.describe("cuda:0", 2));
    }

    @Test
    void otherwiseTheLastLayersThatFitGoWithTheHead() {
        OffloadPlan p = plan(false, 260, AUTO); // head 48 + norm 4 = 52; + 2 layers = 252 ≤ 260 < 352
        assertEquals(2, p.gpuLayers());
        assertEquals(2, p.firstGpuLayer());
        assertEquals(252, p.gpuBytes());
        assertEquals(248, p.cpuBytes()); // embedding and layers 0-1
        assertEquals("cuda:0 (layers 2-3 and the output head, 0.0 MiB) + cpu (2 threads: the embedding and layers"
                + " 0-1)", p.describe("cuda:0", 2));
    }

    @Test
    void aTiedHeadIsTheEmbeddingCopiedToTheGpu() {
        OffloadPlan p = plan(true, 160, AUTO); // embedding as head 48 + norm 4 + 1 layer = 152
        assertEquals(1, p.gpuLayers());
        assertEquals(152, p.gpuBytes());
        assertEquals(48 + 300, p.cpuBytes()); // the CPU still gathers the embedding
    }

    @Test
    void tooLittleMemoryForTheHeadAndOneLayerIsRefusedWithTheFigures() {
        CanalException e = assertThrows(CanalException.class, () -> plan(false, 100, AUTO));
        assertTrue(e.getMessage().startsWith("cuda:0 (G): the output head and one layer need 0.00 GiB"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }

    @Test
    void aCountAskedForIsTakenOrRefused() {
        assertEquals(1, plan(false, 260, 1).gpuLayers());
        assertEquals(3, plan(false, 360, 3).gpuLayers());
        assertTrue(plan(false, 500, 99).whole(), "more than the model has: all");
        assertThrows(CanalException.class, () -> plan(false, 260, 3));
        CanalException whole = assertThrows(CanalException.class, () -> plan(false, 499, 4));
        assertTrue(whole.getMessage().contains("the whole model need"), whole.getMessage());
        CanalException zero = assertThrows(CanalException.class, () -> plan(false, 500, 0));
        assertTrue(zero.getMessage().contains("--gpu-layers must be at least 1"), zero.getMessage());
    }

    @Test
    void aGpuThatReadsTheMappedWeightsTakesEverything() {
        OffloadPlan p = OffloadPlan.plan(model(false), 4, "g", 10, 10, 0, true, AUTO);
        assertTrue(p.whole());
        assertEquals(0, p.gpuBytes());
    }

    @Test
    void theHeadroomIsKeptFree() {
        OffloadPlan p = OffloadPlan.plan(model(false), 4, "g", 500, 1000, 100, false, AUTO);
        assertEquals(3, p.gpuLayers()); // 400 usable: head and norm 52 + 3 layers = 352
    }
}
