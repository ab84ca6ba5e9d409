package dev.canal.engine.quant.gptq;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Tensors held in native segments, little-endian as in a safetensors file: quantized layers without a file. */
public final class InMemoryWeights implements WeightStore {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public InMemoryWeights ints(String name, int[] values, long... shape) {
        MemorySegment seg = offHeap(values.length * 4L);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(I32, i, values[i]);
        return put(new Tensor(name, DType.I32, shape, seg));
    }

    public InMemoryWeights halves(String name, DType dtype, short[] bits, long... shape) {
        MemorySegment seg = offHeap(bits.length * 2L);
        for (int i = 0; i < bits.length; i++) seg.setAtIndex(I16, i, bits[i]);
        return put(new Tensor(name, dtype, shape, seg));
    }

    public InMemoryWeights floats(String name, float[] values, long... shape) {
        MemorySegment seg = offHeap(values.length * 4L);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(F32, i, values[i]);
        return put(new Tensor(name, DType.F32, shape, seg));
    }

    /** Off-heap, like the mapped file segments the kernels read in practice; freed with the store's garbage. */
    private static MemorySegment offHeap(long bytes) {
        return Arena.ofAuto().allocate(Math.max(1, bytes), 8);
    }

    public InMemoryWeights put(Tensor t) {
        tensors.put(t.name(), t);
        return this;
    }

    public InMemoryWeights remove(String name) {
        tensors.remove(name);
        return this;
    }

    @Override
    public String source() {
        return "memory";
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public void close() {
    }
}
