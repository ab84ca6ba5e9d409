package dev.canal.tools.quantize;

import dev.canal.engine.backend.Weight;
import dev.canal.engine.backend.cpu.CpuActivations;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Y = X·Wᵀ for float arrays, on the CPU backend's threaded Vector API kernel: the scale search multiplies every
 * sampled input row with every candidate weight, which is most of its work. The weight is copied into shared
 * native memory (the kernel's workers read it; heap float arrays are not vector-loadable memory segments).
 */
final class LinearOutputs implements AutoCloseable {
    private final CpuBackend backend;

    LinearOutputs(int threads) {
        this.backend = new CpuBackend(threads);
    }

    /** x: [rows, in] row-major; w: [out, in] row-major; returns [rows, out]. */
    float[] multiply(float[] x, int rows, float[] w, int out, int in) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment weights = arena.allocate((long) out * in * Float.BYTES, 64);
            MemorySegment.copy(w, 0, weights, Floats.F32_LE, 0, w.length);
            Weight weight = backend.weight(new Tensor("search", DType.F32, new long[] {out, in}, weights));
            CpuActivations input = backend.allocate(rows, in);
            System.arraycopy(x, 0, input.data(), 0, rows * in);
            CpuActivations output = backend.allocate(rows, out);
            backend.matmul(output, input, weight, rows);
            return output.data();
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
