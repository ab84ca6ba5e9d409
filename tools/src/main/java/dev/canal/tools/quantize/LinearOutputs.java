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
 * sampled input row with every candidate weight, which is most of its work. The weight is copied into one reused
 * buffer of shared native memory (the kernel's workers read it; heap float arrays are not vector-loadable memory
 * segments), grown when a larger layer comes.
 */
final class LinearOutputs implements AutoCloseable {
    private final CpuBackend backend;
    private Arena arena = Arena.ofShared();
    private MemorySegment buffer = MemorySegment.NULL;

    LinearOutputs(int threads) {
        this.backend = new CpuBackend(threads);
    }

    /** x: [rows, in] row-major; w: [out, in] row-major; returns [rows, out]. */
    float[] multiply(float[] x, int rows, float[] w, int out, int in) {
        long bytes = (long) out * in * Float.BYTES;
        if (buffer.byteSize() < bytes) {
            arena.close();
            arena = Arena.ofShared();
            buffer = arena.allocate(bytes, 64);
        }
        MemorySegment weights = buffer.asSlice(0, bytes);
        MemorySegment.copy(w, 0, weights, Floats.F32_LE, 0, w.length);
        Weight weight = backend.weight(new Tensor("search", DType.F32, new long[] {out, in}, weights));
        CpuActivations input = backend.allocate(rows, in);
        System.arraycopy(x, 0, input.data(), 0, rows * in);
        CpuActivations output = backend.allocate(rows, out);
        backend.matmul(output, input, weight, rows);
        return output.data();
    }

    @Override
    public void close() {
        arena.close();
        backend.close();
    }
}
