package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Runs every kernel of the fatbin on the first GPU against a plain Java reference. Needs a CUDA driver, a GPU
 * the kernel table gives kernels to, and a build with kernels: skipped (with which of those is missing)
 * elsewhere. Shapes are chosen to hit the ragged edges: lengths that are not multiples of the block, rows whose
 * 16-byte vector path is off, more keys than one attention tile.
 */
class KernelsOnGpuTest {
    private static CudaContext context;
    private static CudaKernels kernels;
    private static final List<Long> allocations = new ArrayList<>();
    private final Random random = new Random(42);

    private static String unavailable; // why the kernels cannot run here, once known; null when they can
    private static boolean probed;

    /** Per test, so each one reports itself skipped with the reason (an assumption in @BeforeAll hides them). */
    @BeforeEach
    void needsAGpuWithKernels() {
        if (!probed) {
            probed = true;
            unavailable = whyUnavailable();
            if (unavailable == null) {
                context = CudaContext.open(CudaProbe.probe().devices().getFirst().ordinal());
                kernels = CudaKernels.load();
            }
        }
        assumeTrue(unavailable == null, unavailable);
        context.makeCurrent();
    }

    private static String whyUnavailable() {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.available()) return "needs a GPU: " + probe.unavailable().orElseThrow();
        CudaDevice d = probe.devices().getFirst();
        KernelDispatch.Choice choice = KernelDispatch.choose(d.major(), d.minor());
        if (!choice.gpu()) return d.name() + ": " + choice.reason();
        if (KernelImage.fatbin().isEmpty()) return KernelImage.status();
        return null;
    }

    @AfterAll
    static void closeDevice() {
        if (context == null) return;
        for (long p : allocations) context.free(p);
        kernels.close();
        context.close();
    }

    @Test
    void rmsnorm() {
        int rows = 3, cols = 1000;
        float[] x = floats(rows * cols), w = floats(cols);
        long out = alloc(rows * cols * 4L);
        kernels.launch("canal_rmsnorm_f32", rows, 1, 256, 1, 0, out, dev(x), dev(w), 1e-5f, cols);
        float[] expected = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < cols; i++) ss += (double) x[r * cols + i] * x[r * cols + i];
            double inv = 1 / Math.sqrt(ss / cols + 1e-5);
            for (int i = 0; i < cols; i++) expected[r * cols + i] = (float) (x[r * cols + i] * inv * w[i]);
        }
        close(expected, read(out, rows * cols), 1e-5f);
    }

    @Test
    void ropeBothPairingsAndPartialRotary() {
        for (int rotaryDim : new int[] {64, 32}) {
            for (int neox = 0; neox <= 1; neox++) {
                int rows = 2, heads = 4, headDim = 64, startPos = 1000;
                float[] inv = new float[rotaryDim / 2];
                for (int i = 0; i < inv.length; i++) inv[i] = (float) (1.0 / Math.pow(10000, 2.0 * i / rotaryDim));
                float[] x = floats(rows * heads * headDim);
                float[] expected = x.clone();
                for (int r = 0; r < rows; r++) {
                    for (int h = 0; h < heads; h++) {
                        int base = (r * heads + h) * headDim;
                        for (int i = 0; i < rotaryDim / 2; i++) {
                            float angle = (float) (startPos + r) * inv[i];
                            float c = (float) Math.cos(angle) * 0.9f, s = (float) Math.sin(angle) * 0.9f;
                            int a = base + (neox == 1 ? i : 2 * i), b = base + (neox == 1 ? i + rotaryDim / 2 : 2 * i + 1);
                            float x0 = x[a], x1 = x[b];
                            expected[a] = x0 * c - x1 * s;
                            expected[b] = x1 * c + x0 * s;
                        }
                    }
                }
                long d = dev(x);
                kernels.launch("canal_rope_f32", rows, heads, Math.min(rotaryDim / 2, 256), 1, 0, d, dev(inv), heads,
                        headDim, rotaryDim, startPos, 0.9f, neox);
                close(expected, read(d, x.length), 2e-5f);
            }
        }
    }

    @Test
    void embedFromEachDtype() {
        int vocab = 10, cols = 300;
        float[] table = floats(vocab * cols);
        short[] f16 = new short[table.length], bf16 = new short[table.length];
        float[] f16Values = new float[table.length], bf16Values = new float[table.length];
        for (int i = 0; i < table.length; i++) {
            f16[i] = Float.floatToFloat16(table[i]);
            f16Values[i] = Float.float16ToFloat(f16[i]);
            bf16[i] = (short) (Float.floatToRawIntBits(table[i]) >>> 16);
            bf16Values[i] = Float.intBitsToFloat(bf16[i] << 16);
        }
        int[] tokens = {3, 0, 9};
        long ids = dev(tokens);
        Object[][] cases = {{"canal_embed_f32", dev(table), table}, {"canal_embed_f16", dev(f16), f16Values},
                {"canal_embed_bf16", dev(bf16), bf16Values}};
        for (Object[] c : cases) {
            long out = alloc(tokens.length * cols * 4L);
            kernels.launch((String) c[0], tokens.length, 1, 256, 1, 0, out, (Long) c[1], ids, cols);
            float[] expected = new float[tokens.length * cols];
            for (int r = 0; r < tokens.length; r++) System.arraycopy((float[]) c[2], tokens[r] * cols, expected, r * cols, cols);
            assertArrayEquals(expected, read(out, expected.length), (String) c[0]);
        }
    }

    @Test
    void swigluAndAdd() {
        int n = 1000;
        float[] g = floats(n), u = floats(n);
        long dg = dev(g), du = dev(u);
        kernels.launch("canal_swiglu_f32", 4, 1, 128, 1, 0, dg, du, (long) n);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) expected[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
        close(expected, read(dg, n), 1e-5f);
        long dx = dev(g);
        kernels.launch("canal_add_f32", 3, 1, 128, 1, 0, dx, du, (long) n);
        for (int i = 0; i < n; i++) expected[i] = g[i] + u[i];
        assertArrayEquals(expected, read(dx, n));
        int cols = 300; // bias over rows of 300: n is not a multiple of it, the last row is partial
        long db = dev(g);
        kernels.launch("canal_add_bias_f32", 2, 1, 128, 1, 0, db, du, cols, (long) n);
        for (int i = 0; i < n; i++) expected[i] = g[i] + u[i % cols];
        assertArrayEquals(expected, read(db, n));
    }

    @Test
    void softmaxAndArgmax() {
        int rows = 2, cols = 5001;
        float[] x = floats(rows * cols);
        x[17] = 9f;
        x[4000] = 9f; // a tie: the lower index wins
        x[cols + 5000] = 7f;
        long ids = alloc(rows * 4L), values = alloc(rows * 4L);
        kernels.launch("canal_argmax_f32", rows, 1, 256, 1, 0, ids, values, dev(x), cols);
        assertArrayEquals(new int[] {17, 5000}, readInts(ids, rows));
        assertArrayEquals(new float[] {9f, 7f}, read(values, rows));
        kernels.launch("canal_argmax_f32", rows, 1, 256, 1, 0, ids, 0L, dev(x), cols); // values null: ids only
        assertArrayEquals(new int[] {17, 5000}, readInts(ids, rows));

        long d = dev(x);
        kernels.launch("canal_softmax_f32", rows, 1, 256, 1, 0, d, cols, 1f);
        float[] expected = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < cols; i++) max = Math.max(max, x[r * cols + i]);
            for (int i = 0; i < cols; i++) sum += Math.exp(x[r * cols + i] - max);
            for (int i = 0; i < cols; i++) expected[r * cols + i] = (float) (Math.exp(x[r * cols + i] - max) / sum);
        }
        close(expected, read(d, rows * cols), 1e-6f);
    }

    @Test
    void gemv16BitVectorAndScalarPaths() {
        for (int in : new int[] {256, 100}) {
            int out = 70, rows = 2;
            float[] w = floats(out * in), x = floats(rows * in);
            short[] f16 = new short[w.length], bf16 = new short[w.length];
            float[] wf16 = new float[w.length], wbf16 = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                f16[i] = Float.floatToFloat16(w[i]);
                wf16[i] = Float.float16ToFloat(f16[i]);
                bf16[i] = (short) (Float.floatToRawIntBits(w[i]) >>> 16);
                wbf16[i] = Float.intBitsToFloat(bf16[i] << 16);
            }
            long y = alloc(rows * out * 4L), dx = dev(x);
            kernels.launch("canal_gemv_f32", (out + 3) / 4, rows, 128, 1, 0, y, dev(w), dx, in, out);
            close(matvec(w, x, in, out, rows), read(y, rows * out), 1e-4f);
            kernels.launch("canal_gemv_f16", (out + 3) / 4, rows, 128, 1, 0, y, dev(f16), dx, in, out);
            close(matvec(wf16, x, in, out, rows), read(y, rows * out), 1e-4f);
            kernels.launch("canal_gemv_bf16", (out + 3) / 4, rows, 128, 1, 0, y, dev(bf16), dx, in, out);
            close(matvec(wbf16, x, in, out, rows), read(y, rows * out), 1e-4f);
        }
    }

    @Test
    void gemvGgmlBlockQuants() {
        int in = 128, out = 9, rows = 1;
        float[] x = floats(in);
        byte[] q8 = new byte[out * (in / 32) * 34], q4 = new byte[out * (in / 32) * 18];
        float[] w8 = new float[out * in], w4 = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < in / 32; b++) {
                short d = Float.floatToFloat16(random.nextFloat() * 0.1f);
                float dv = Float.float16ToFloat(d);
                int p8 = (o * (in / 32) + b) * 34, p4 = (o * (in / 32) + b) * 18;
                q8[p8] = (byte) d; q8[p8 + 1] = (byte) (d >> 8);
                q4[p4] = (byte) d; q4[p4 + 1] = (byte) (d >> 8);
                for (int j = 0; j < 32; j++) {
                    byte q = (byte) (random.nextInt(256) - 128);
                    q8[p8 + 2 + j] = q;
                    w8[o * in + b * 32 + j] = dv * q;
                }
                for (int j = 0; j < 16; j++) {
                    int lo = random.nextInt(16), hi = random.nextInt(16);
                    q4[p4 + 2 + j] = (byte) (lo | hi << 4);
                    w4[o * in + b * 32 + j] = dv * (lo - 8);
                    w4[o * in + b * 32 + j + 16] = dv * (hi - 8);
                }
            }
        }
        long y = alloc(out * 4L), dx = dev(x);
        kernels.launch("canal_gemv_q8_0", (out + 3) / 4, rows, 128, 1, 0, y, dev(q8), dx, in, out);
        close(matvec(w8, x, in, out, rows), read(y, out), 1e-4f);
        kernels.launch("canal_gemv_q4_0", (out + 3) / 4, rows, 128, 1, 0, y, dev(q4), dx, in, out);
        close(matvec(w4, x, in, out, rows), read(y, out), 1e-4f);
        // the prefill launches: 8 rows a grid row, here 2 full groups and a partial one
        int many = 19;
        float[] xs = floats(many * in);
        long ys = alloc((long) many * out * 4), dxs = dev(xs);
        kernels.launch("canal_gemm_q8_0", (out + 3) / 4, (many + 7) / 8, 128, 1, 0, ys, dev(q8), dxs, in, out, many);
        close(matvec(w8, xs, in, out, many), read(ys, many * out), 1e-4f);
        kernels.launch("canal_gemm_q4_0", (out + 3) / 4, (many + 7) / 8, 128, 1, 0, ys, dev(q4), dxs, in, out, many);
        close(matvec(w4, xs, in, out, many), read(ys, many * out), 1e-4f);
    }

    @Test
    void gemvAwqInt4() {
        int in = 256, out = 24, group = 128, rows = 1, packs = out / 8;
        int[] order = {0, 2, 4, 6, 1, 3, 5, 7}; // nibble k holds column order[k]
        int[] q = new int[in * out], z = new int[(in / group) * out];
        for (int i = 0; i < q.length; i++) q[i] = random.nextInt(16);
        for (int i = 0; i < z.length; i++) z[i] = random.nextInt(16);
        short[] scales = new short[(in / group) * out];
        for (int i = 0; i < scales.length; i++) scales[i] = Float.floatToFloat16(random.nextFloat() * 0.05f);
        int[] qweight = pack(q, in, packs, order), qzeros = pack(z, in / group, packs, order);
        float[] wt = new float[out * in]; // [out][in] for matvec
        for (int i = 0; i < in; i++) {
            for (int c = 0; c < out; c++) {
                int g = i / group;
                wt[c * in + i] = (q[i * out + c] - z[g * out + c]) * Float.float16ToFloat(scales[g * out + c]);
            }
        }
        float[] x = floats(in);
        long y = alloc(out * 4L);
        kernels.launch("canal_gemv_awq_int4", (out + 255) / 256, rows, 32, 8, 0, y, dev(qweight), dev(qzeros),
                dev(scales), dev(x), in, out, group);
        close(matvec(wt, x, in, out, rows), read(y, out), 1e-4f);
        // the prefill launch: 4 rows a grid row, here 2 full groups and a partial one
        int many = 10;
        float[] xs = floats(many * in);
        long ys = alloc((long) many * out * 4);
        kernels.launch("canal_gemm_awq_int4", (out + 255) / 256, (many + 3) / 4, 32, 8, 0, ys, dev(qweight),
                dev(qzeros), dev(scales), dev(xs), in, out, group, many);
        close(matvec(wt, xs, in, out, many), read(ys, many * out), 1e-4f);
    }

    @Test
    void gemvFp8AndNvfp4() {
        int in = 64, out = 5;
        float[] x = floats(in);
        byte[] fp8 = new byte[out * in];
        float[] w = new float[out * in];
        float[] perRow = {0.5f, 1f, 2f, 0.25f, 3f};
        for (int i = 0; i < fp8.length; i++) {
            int b;
            do { b = random.nextInt(256); } while ((b & 0x7f) == 0x7f); // no NaN
            fp8[i] = (byte) b;
            w[i] = e4m3(b) * perRow[i / in];
        }
        long y = alloc(out * 4L), dx = dev(x);
        kernels.launch("canal_gemv_fp8_e4m3", 2, 1, 128, 1, 0, y, dev(fp8), dev(perRow), 1, dx, in, out);
        close(matvec(w, x, in, out, 1), read(y, out), 1e-4f);

        float[] e2m1 = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
        byte[] packed = new byte[out * in / 2], blockScale = new byte[out * in / 16];
        for (int i = 0; i < blockScale.length; i++) blockScale[i] = (byte) (0x30 + random.nextInt(16)); // 0.5 … 1.875
        float global = 0.75f;
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in / 2; k++) {
                int lo = random.nextInt(16), hi = random.nextInt(16);
                packed[o * in / 2 + k] = (byte) (lo | hi << 4);
                float s = e4m3(blockScale[o * in / 16 + (2 * k) / 16] & 0xff) * global;
                w[o * in + 2 * k] = ((lo & 8) != 0 ? -e2m1[lo & 7] : e2m1[lo & 7]) * s;
                w[o * in + 2 * k + 1] = ((hi & 8) != 0 ? -e2m1[hi & 7] : e2m1[hi & 7]) * s;
            }
        }
        kernels.launch("canal_gemv_nvfp4", 2, 1, 128, 1, 0, y, dev(packed), dev(blockScale), global, dx, in, out);
        close(matvec(w, x, in, out, 1), read(y, out), 1e-4f);
    }

    /**
     * Block-scaled FP8, decode and prefill launches: the 4-byte path with partial tiles at both edges, and the scalar
     * path for a row length that is not a multiple of 4 and for tiles narrower than a lane's 4 weights.
     */
    @Test
    void gemvFp8Blocks() {
        int[][] shapes = {{256, 37, 16, 48}, {70, 11, 3, 20}, {72, 9, 2, 6}}; // in, out, blockRows, blockCols
        for (int[] shape : shapes) {
            int in = shape[0], out = shape[1], blockRows = shape[2], blockCols = shape[3];
            int colBlocks = (in + blockCols - 1) / blockCols;
            float[] scale = new float[((out + blockRows - 1) / blockRows) * colBlocks];
            for (int i = 0; i < scale.length; i++) scale[i] = 0.01f + random.nextFloat() * 0.1f;
            byte[] fp8 = new byte[out * in];
            float[] w = new float[out * in];
            for (int i = 0; i < fp8.length; i++) {
                int b;
                do { b = random.nextInt(256); } while ((b & 0x7f) == 0x7f); // no NaN
                fp8[i] = (byte) b;
                int o = i / in, c = i % in;
                w[i] = e4m3(b) * scale[(o / blockRows) * colBlocks + c / blockCols];
            }
            long dw = dev(fp8), ds = dev(scale);
            String what = in + " × " + out + " in " + blockRows + " × " + blockCols + " blocks";
            float[] x = floats(in);
            long y = alloc(out * 4L);
            kernels.launch("canal_gemv_fp8_e4m3_blocks", (out + 3) / 4, 1, 128, 1, 0, y, dw, ds, blockRows, blockCols,
                    dev(x), in, out);
            close(matvec(w, x, in, out, 1), read(y, out), 1e-4f, what + ", 1 row");
            int many = 13; // a full group of 8 rows and a partial one
            float[] xs = floats(many * in);
            long ys = alloc((long) many * out * 4);
            kernels.launch("canal_gemm_fp8_e4m3_blocks", (out + 3) / 4, (many + 7) / 8, 128, 1, 0, ys, dw, ds,
                    blockRows, blockCols, dev(xs), in, out, many);
            close(matvec(w, xs, in, out, many), read(ys, many * out), 1e-4f, what + ", " + many + " rows");
        }
    }

    @Test
    void attentionDecodePrefillAndWindow() {
        int heads = 4, kvHeads = 2, headDim = 64, capacity = 600;
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] keys = floats(capacity * kvHeads * headDim), values = floats(capacity * kvHeads * headDim);
        long dk = dev(keys), dv = dev(values);
        int[][] cases = {{300, 1, 0}, {0, 3, 0}, {400, 2, 100}}; // startPos, rows, window
        for (int[] c : cases) {
            int startPos = c[0], rows = c[1], window = c[2];
            float[] q = floats(rows * heads * headDim);
            long out = alloc((long) rows * heads * headDim * 4);
            kernels.launch("canal_attention_f32kv", rows, heads, 256, 1, (headDim + 256) * 4, out, dev(q), dk, dv,
                    heads, kvHeads, headDim, scale, window, startPos);
            float[] expected = new float[rows * heads * headDim];
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads), pos = startPos + r;
                    int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                    double[] s = new double[pos + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = first; j <= pos; j++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[(r * heads + h) * headDim + d] * keys[(j * kvHeads + kvh) * headDim + d];
                        }
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    for (int j = first; j <= pos; j++) sum += Math.exp(s[j] - max);
                    for (int d = 0; d < headDim; d++) {
                        double acc = 0;
                        for (int j = first; j <= pos; j++) {
                            acc += Math.exp(s[j] - max) / sum * values[(j * kvHeads + kvh) * headDim + d];
                        }
                        expected[(r * heads + h) * headDim + d] = (float) acc;
                    }
                }
            }
            close(expected, read(out, expected.length), 1e-5f);
        }
    }

    // --- helpers

    private static float e4m3(int bits) {
        int sign = (bits & 0x80) != 0 ? -1 : 1, exp = (bits >> 3) & 0xf, man = bits & 7;
        float v = exp == 0 ? man / 8f * (float) Math.pow(2, -6) : (1 + man / 8f) * (float) Math.pow(2, exp - 7);
        return sign * v;
    }

    private static int[] pack(int[] values, int rows, int packs, int[] order) {
        int[] out = new int[rows * packs];
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < packs; p++) {
                int word = 0;
                for (int k = 0; k < 8; k++) word |= values[r * packs * 8 + p * 8 + order[k]] << (4 * k);
                out[r * packs + p] = word;
            }
        }
        return out;
    }

    private static float[] matvec(float[] w, float[] x, int in, int out, int rows) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int i = 0; i < in; i++) acc += (double) w[o * in + i] * x[r * in + i];
                y[r * out + o] = (float) acc;
            }
        }
        return y;
    }

    private float[] floats(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }

    private static void close(float[] expected, float[] actual, float tolerance) {
        close(expected, actual, tolerance, "");
    }

    private static void close(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            float allowed = tolerance * Math.max(1f, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= allowed,
                    what + (what.isEmpty() ? "" : ": ") + "element " + i + ": expected " + expected[i] + ", got "
                            + actual[i]);
        }
    }

    private static long alloc(long bytes) {
        long p = context.alloc(bytes);
        allocations.add(p);
        return p;
    }

    private static long upload(MemorySegment host) {
        long p = context.copyOf(host);
        allocations.add(p);
        return p;
    }

    private static long dev(float[] a) {
        return upload(MemorySegment.ofArray(a));
    }

    private static long dev(int[] a) {
        return upload(MemorySegment.ofArray(a));
    }

    private static long dev(short[] a) {
        return upload(MemorySegment.ofArray(a));
    }

    private static long dev(byte[] a) {
        return upload(MemorySegment.ofArray(a));
    }

    private static float[] read(long p, int n) {
        context.synchronize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, n);
            context.download(host, p);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    private static int[] readInts(long p, int n) {
        context.synchronize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, n);
            context.download(host, p);
            return host.toArray(ValueLayout.JAVA_INT);
        }
    }
}
