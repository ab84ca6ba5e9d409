package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Packed matrices in the CPU backend: the backend only splits output rows across workers at the matrix's grain and
 * the matrix multiplies; every row is computed exactly once whatever the thread count. The formats themselves are
 * tested in their packages.
 */
class CpuPackedWeightTest {
    private static final int IN = 24;
    private static final int OUT = 70;

    @Test
    void workersCoverEveryOutputRowOnceAtTheMatrixGrain() {
        Random rnd = new Random(3);
        float[] w = TestTensors.random(rnd, OUT * IN, 1f);
        try (Arena arena = Arena.ofShared()) {
            Tensor part = TestTensors.tensor(arena, "w.part", DType.F32, w, OUT, IN).tensor();
            for (int threads : new int[] {1, 2, 3}) {
                DenseAsPacked matrix = new DenseAsPacked(part, w);
                try (CpuBackend backend = new CpuBackend(threads)) {
                    for (int rows : new int[] {1, 5}) {
                        matrix.ranges.clear();
                        float[] x = TestTensors.random(rnd, rows * IN, 1f);
                        CpuActivations out = backend.allocate(rows, OUT);
                        backend.matmul(out, TestTensors.activations(backend, rows, IN, x),
                                backend.weight(Tensor.packed("w", matrix)), rows);
                        int[] seen = new int[OUT];
                        for (int[] range : matrix.ranges) {
                            assertEquals(0, range[0] % matrix.rowGrain(), "range start " + range[0]);
                            for (int o = range[0]; o < range[1]; o++) seen[o]++;
                        }
                        for (int o = 0; o < OUT; o++) assertEquals(1, seen[o], "row " + o + ", threads " + threads);
                        assertArrayEquals(matrix.reference(x, rows), out.data(), 0f, "threads " + threads);
                    }
                }
            }
        }
    }

    @Test
    void packedTensorsReportTheirFormatShapeAndTheBytesOfAllParts() {
        float[] w = new float[OUT * IN];
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(1)) {
            Tensor part = TestTensors.tensor(arena, "w.part", DType.F32, w, OUT, IN).tensor();
            Tensor t = Tensor.packed("w", new DenseAsPacked(part, w));
            assertEquals(DType.PACKED, t.dtype());
            assertEquals("dense-as-packed", t.typeName());
            assertArrayEquals(new long[] {OUT, IN}, t.shape());
            assertEquals((long) OUT * IN * 4, t.byteSize());
            assertEquals(OUT, backend.weight(t).rows());
            assertThrows(IllegalArgumentException.class,
                    () -> new Tensor("x", DType.PACKED, new long[] {1, 1}, part.data()));
        }
    }

    /** An F32 matrix behind the packed interface, recording the ranges it is asked to multiply. */
    private static final class DenseAsPacked implements PackedMatrix {
        private final Tensor part;
        private final float[] w;
        final List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());

        DenseAsPacked(Tensor part, float[] w) {
            this.part = part;
            this.w = w;
        }

        @Override
        public String formatName() {
            return "dense-as-packed";
        }

        @Override
        public long rows() {
            return OUT;
        }

        @Override
        public long cols() {
            return IN;
        }

        @Override
        public List<Tensor> parts() {
            return List.of(part);
        }

        @Override
        public int rowGrain() {
            return 8;
        }

        @Override
        public void dequantizeRow(long row, float[] dst, int off) {
            System.arraycopy(w, (int) row * IN, dst, off, IN);
        }

        @Override
        public void multiply(float[] x, int rows, float[] out, int outStride, int rowStart, int rowEnd) {
            ranges.add(new int[] {rowStart, rowEnd});
            for (int r = 0; r < rows; r++) {
                for (int o = rowStart; o < rowEnd; o++) out[r * outStride + o] = dot(x, r, o);
            }
        }

        float[] reference(float[] x, int rows) {
            float[] out = new float[rows * OUT];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < OUT; o++) out[r * OUT + o] = dot(x, r, o);
            }
            return out;
        }

        private float dot(float[] x, int r, int o) {
            float s = 0;
            for (int i = 0; i < IN; i++) s += x[r * IN + i] * w[o * IN + i];
            return s;
        }
    }
}
