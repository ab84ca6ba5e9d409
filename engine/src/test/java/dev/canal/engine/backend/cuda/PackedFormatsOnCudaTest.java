package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.fp8.Fp8Matrix;
import dev.canal.engine.quant.gptq.GptqFormat;
import dev.canal.engine.quant.gptq.InMemoryWeights;
import dev.canal.engine.quant.nvfp4.Nvfp4Matrix;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.BackendProducts;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * FP8 (scales per tensor, per channel, per tile and per group along the input), NVFP4 and GPTQ layers bound by the
 * CUDA backend multiply like the CPU backend. The GPU case needs a GPU and is skipped with the reason; the CPU case
 * checks the harness against the dequantized weights here.
 */
class PackedFormatsOnCudaTest {
    private static final int ROWS = 3, IN = 256, OUT = 70, GPTQ_IN = 320;

    /** 1 row: the GEMV launch; more: the multi-row GEMM launch, with full and partial row groups. */
    @Test
    void onTheGpuTheyMatchTheCpuBackend() {
        CudaDevice d = GpuForTests.require();
        for (int rows : new int[] {1, ROWS, 8, 13}) {
            for (Layer layer : matrices()) {
                PackedMatrix m = layer.matrix();
                float[] x = activations(rows, (int) m.cols());
                float[] a, b;
                try (CpuBackend cpu = new CpuBackend(1)) {
                    a = BackendProducts.multiply(cpu, Tensor.packed("l", m), x, rows);
                }
                try (CudaBackend gpu = CudaBackend.open(d.ordinal())) {
                    b = BackendProducts.multiply(gpu, Tensor.packed("l", m), x, rows);
                }
                assertClose(a, b, layer.what() + " cpu vs cuda, " + rows + " rows");
            }
        }
    }

    @Test
    void onTheCpuTheyMatchTheDequantizedWeights() {
        for (Layer layer : matrices()) {
            PackedMatrix m = layer.matrix();
            int out = (int) m.rows(), in = (int) m.cols();
            float[] x = activations(ROWS, in);
            float[] y;
            try (CpuBackend cpu = new CpuBackend(1)) {
                y = BackendProducts.multiply(cpu, Tensor.packed("l", m), x, ROWS);
            }
            float[] w = new float[in];
            float[] reference = new float[ROWS * out];
            for (int o = 0; o < out; o++) {
                m.dequantizeRow(o, w, 0);
                for (int r = 0; r < ROWS; r++) {
                    double s = 0;
                    for (int i = 0; i < in; i++) s += (double) x[r * in + i] * w[i];
                    reference[r * out + o] = (float) s;
                }
            }
            assertClose(reference, y, layer.what() + " cpu vs dequantized");
        }
    }

    /** A matrix and what to call it in a failure: the format's name, with the GPTQ case that made it. */
    private record Layer(String what, PackedMatrix matrix) {
        Layer(PackedMatrix m) {
            this(m.formatName(), m);
        }
    }

    private static List<Layer> matrices() {
        Random random = new Random(5);
        byte[] e4m3 = new byte[OUT * IN];
        for (int i = 0; i < e4m3.length; i++) {
            int code = random.nextInt(256);
            if ((code & 0x7F) == 0x7F) code &= 0xF0; // 0x7F / 0xFF are NaN in E4M3
            e4m3[i] = (byte) code;
        }
        Tensor fp8 = new Tensor("fp8.weight", DType.F8_E4M3, new long[] {OUT, IN}, MemorySegment.ofArray(e4m3));
        float[] channel = scales(random, OUT);

        byte[] packed = new byte[OUT * IN / 2];
        random.nextBytes(packed);
        byte[] blockScales = new byte[OUT * IN / 16];
        for (int i = 0; i < blockScales.length; i++) blockScales[i] = (byte) (0x20 + random.nextInt(0x30)); // positive
        Tensor nvPacked = new Tensor("nv.weight", DType.U8, new long[] {OUT, IN / 2}, MemorySegment.ofArray(packed));
        Tensor nvScales = new Tensor("nv.weight_scale", DType.F8_E4M3, new long[] {OUT, IN / 16},
                MemorySegment.ofArray(blockScales));
        List<Layer> all = new ArrayList<>(List.of(
                new Layer(new Fp8Matrix("FP8 E4M3 tensor", fp8, new float[] {0.004f}, OUT, IN, List.of(fp8))),
                new Layer(new Fp8Matrix("FP8 E4M3 channel", fp8, channel, 1, IN, List.of(fp8))),
                // DeepSeek / Qwen3's 128 × 128 tiles scaled to the test: the last of 5 row blocks has 6 rows
                new Layer(fp8Blocks(fp8, random, 16, 64)),
                // a partial last tile both ways: 70 = 2 · 24 + 22 rows, 256 = 5 · 48 + 16 columns
                new Layer(fp8Blocks(fp8, random, 24, 48)),
                // tiles of whole rows (one column block) that still need the tile kernel
                new Layer(fp8Blocks(fp8, random, 32, IN)),
                // compressed-tensors "group": a scale per output row and 32 inputs
                new Layer(fp8Blocks(fp8, random, 1, 32)),
                new Layer(new Nvfp4Matrix("NVFP4", nvPacked, nvScales, 0.02f, false, List.of(nvPacked, nvScales))),
                new Layer(new Nvfp4Matrix("NVFP4 (global divides)", nvPacked, nvScales, 50f, true,
                        List.of(nvPacked, nvScales)))));
        for (GptqCase c : GPTQ) {
            PackedMatrix m = c.matrix(random);
            all.add(new Layer(m.formatName() + " " + c, m));
        }
        return all;
    }

    /**
     * GPTQ layers with in 320 (40 int4 or 80 int8 word rows: the kernel's 8 input slices do not divide them evenly,
     * and group boundaries fall inside slices) and out 72 / 68 (a partial block of 32 columns): 4 and 8 bits,
     * symmetric and asymmetric, sequential groups (group 20 spans words) and act-order, v1 and v2 zeros, F16 and BF16
     * scales, g_idx as I32, I64 or absent.
     */
    private static final List<GptqCase> GPTQ = List.of(
            new GptqCase(4, 64, false, false, true, DType.F16, DType.I32),
            new GptqCase(4, 64, true, true, true, DType.F16, DType.I32),
            new GptqCase(4, 20, false, false, false, DType.BF16, null),
            new GptqCase(4, -1, true, false, true, DType.F16, null),
            new GptqCase(4, 32, false, true, false, DType.F16, DType.I64),
            new GptqCase(8, 32, false, false, true, DType.F16, DType.I32),
            new GptqCase(8, 32, true, true, true, DType.F16, DType.I64),
            new GptqCase(8, 64, false, true, false, DType.BF16, DType.I32),
            new GptqCase(8, -1, false, false, true, DType.F16, DType.I32));

    /**
     * One GPTQ layer read through {@link GptqFormat} from tensors made here. Asymmetric qzeros are random words, so
     * every field value occurs, v1's all-ones field (zero − 1 = −1, read as zero 0) included; symmetric ones hold
     * 2^(bits − 1), stored minus one in v1.
     *
     * @param group   inputs per group, −1 for one group per row
     * @param gIdx    g_idx's dtype, null to leave it out (old files without act-order)
     */
    private record GptqCase(int bits, int group, boolean sym, boolean actOrder, boolean v1, DType scales,
                            DType gIdx) {
        PackedMatrix matrix(Random random) {
            int pack = 32 / bits;
            int out = bits == 4 ? 72 : 68;
            int size = group == -1 ? GPTQ_IN : group;
            int groups = GPTQ_IN / size;
            int[] qweight = new int[GPTQ_IN / pack * out];
            for (int k = 0; k < qweight.length; k++) qweight[k] = random.nextInt();
            int[] qzeros = new int[groups * out / pack];
            int symField = (1 << (bits - 1)) - (v1 ? 1 : 0);
            for (int k = 0; k < qzeros.length; k++) {
                int word = 0;
                for (int f = 0; f < pack; f++) word |= symField << (f * bits);
                qzeros[k] = sym ? word : random.nextInt();
            }
            short[] scaleBits = new short[groups * out];
            for (int k = 0; k < scaleBits.length; k++) {
                float s = 0.001f + random.nextFloat() * 0.02f;
                scaleBits[k] = scales == DType.BF16 ? (short) (Float.floatToRawIntBits(s) >>> 16)
                        : Float.floatToFloat16(s);
            }
            InMemoryWeights store = new InMemoryWeights()
                    .ints("l.qweight", qweight, GPTQ_IN / pack, out)
                    .ints("l.qzeros", qzeros, groups, out / pack)
                    .halves("l.scales", scales, scaleBits, groups, out);
            if (gIdx != null) store.put(groupIndex(random, size));
            ObjectNode config = JsonNodeFactory.instance.objectNode().put("quant_method", "gptq").put("bits", bits)
                    .put("group_size", group).put("desc_act", actOrder).put("sym", sym)
                    .put("checkpoint_format", v1 ? "gptq" : "gptq_v2");
            PackedMatrix m = new GptqFormat().open(store, QuantizationConfig.of(config, "test")).get("l");
            assertTrue(m.formatName().contains("act-order") == actOrder, m.formatName());
            return m;
        }

        /** i / size, shuffled for act-order, as I32 or I64. */
        private Tensor groupIndex(Random random, int size) {
            long[] g = new long[GPTQ_IN];
            for (int i = 0; i < GPTQ_IN; i++) g[i] = i / size;
            if (actOrder) {
                for (int i = GPTQ_IN - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    long t = g[i];
                    g[i] = g[j];
                    g[j] = t;
                }
            }
            boolean wide = gIdx == DType.I64;
            MemorySegment seg = Arena.ofAuto().allocate(GPTQ_IN * (wide ? 8L : 4L), 8);
            for (int i = 0; i < GPTQ_IN; i++) {
                if (wide) seg.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, g[i]);
                else seg.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, (int) g[i]);
            }
            return new Tensor("l.g_idx", gIdx, new long[] {GPTQ_IN}, seg);
        }
    }

    /** An FP8 matrix over {@code fp8} with a random scale per blockRows × blockCols tile. */
    private static Fp8Matrix fp8Blocks(Tensor fp8, Random random, int blockRows, int blockCols) {
        int tiles = ((OUT + blockRows - 1) / blockRows) * ((IN + blockCols - 1) / blockCols);
        return new Fp8Matrix("FP8 E4M3 " + blockRows + "x" + blockCols + " blocks", fp8, scales(random, tiles),
                blockRows, blockCols, List.of(fp8));
    }

    /** Positive scales spread over a decade, so a scale taken from the wrong tile shows in the product. */
    private static float[] scales(Random random, int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = 0.001f + random.nextFloat() * 0.01f;
        return s;
    }

    private static float[] activations(int rows, int in) {
        Random random = new Random(6);
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        return x;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            float tol = 1e-4f * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
