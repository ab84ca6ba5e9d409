package dev.canal.bench;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.backend.cpu.CpuActivations;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.quant.awq.AwqFormat;
import dev.canal.engine.quant.awq.AwqPacker;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.weights.WeightStore;
import dev.canal.ggml.quant.GgmlType;
import dev.canal.ggml.quant.QuantFormat;
import dev.canal.ggml.quant.QuantFormats;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The CPU backend's matmul per weight format, at decode (1 row) and prefill (64 rows) shapes of a Llama-3.2-1B
 * FFN projection (2048 → 8192). The aux counters turn operations per second into weight bytes per second (decode
 * is bound by memory bandwidth) and floating-point operations per second (prefill is bound by arithmetic):
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar MatMul -p threads=2</pre>
 * AWQ (AutoAWQ GEMM int4, read in place) against Q4_0 on a square and an FFN layer:
 * <pre>java -jar bench/target/benchmarks.jar 'MatMul' -p format=Q4_0,AWQ -p out=2048,8192 -p threads=1</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class MatMulBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "AWQ"})
    public String format;

    @Param({"1", "64"})
    public int rows;

    @Param({"2048"})
    public int in;

    @Param({"8192"})
    public int out;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private CpuBackend backend;
    private Weight weight;
    private Activations x;
    private Activations y;
    private long weightBytes;

    /** Weight bytes and flops of the invocations, reported per second next to the op rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long weightBytes;
        public long flops;
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(1);
        Tensor tensor = format.equals("AWQ") ? awq(random) : format.startsWith("Q") ? quantized(random) : dense(random);
        weightBytes = tensor.byteSize();
        backend = new CpuBackend(threads);
        weight = backend.weight(tensor);
        x = backend.allocate(rows, in);
        y = backend.allocate(rows, out);
        float[] xs = ((CpuActivations) x).data();
        for (int i = 0; i < xs.length; i++) xs[i] = (float) (random.nextDouble() - 0.5);
    }

    private Tensor dense(SplittableRandom random) {
        DType dtype = DType.valueOf(format);
        long elements = (long) in * out;
        MemorySegment data = arena.allocate(elements * dtype.bytes(), 64);
        for (long i = 0; i < elements; i++) {
            float v = (float) (random.nextDouble() - 0.5) * 0.05f;
            switch (dtype) {
                case F32 -> data.set(Floats.F32_LE, i * 4, v);
                case F16 -> data.set(Floats.I16_LE, i * 2, Floats.toF16(v));
                case BF16 -> data.set(Floats.I16_LE, i * 2, Floats.toBf16(v));
                default -> throw new IllegalArgumentException(format);
            }
        }
        return new Tensor("w", dtype, new long[]{out, in}, data);
    }

    /** Random rows quantized with ggml's reference quantizer, packed as the GGUF file would hold them. */
    private Tensor quantized(SplittableRandom random) {
        QuantFormat q = QuantFormats.of(GgmlType.valueOf(format));
        long rowBytes = q.rowBytes(in);
        MemorySegment data = arena.allocate(rowBytes * out, 64);
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) row[i] = (float) (random.nextDouble() - 0.5) * 0.05f;
            q.quantizeRow(row, 0, data, o * rowBytes, in);
        }
        return Tensor.quantized("w", q, new long[]{out, in}, data);
    }

    /**
     * Random weights packed by {@link AwqPacker} (int4, group 128, AutoAWQ GEMM layout) and bound by
     * {@link AwqFormat} as a model load would: the matrix reads qweight, qzeros and scales in place.
     */
    private Tensor awq(SplittableRandom random) {
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) w[i] = (float) (random.nextDouble() - 0.5) * 0.05f;
        AwqPacker packer = new AwqPacker(128);
        Map<String, Tensor> tensors = new TreeMap<>();
        for (TensorData t : packer.pack("w", w, out, in)) {
            MemorySegment data = arena.allocate(t.byteSize(), 64).copyFrom(t.data().get());
            tensors.put(t.name(), new Tensor(t.name(), t.dtype(), t.shape(), data));
        }
        WeightStore store = new WeightStore() {
            @Override
            public String source() {
                return "random AWQ weights";
            }

            @Override
            public Set<String> names() {
                return tensors.keySet();
            }

            @Override
            public Optional<Tensor> find(String name) {
                return Optional.ofNullable(tensors.get(name));
            }

            @Override
            public void close() {
            }
        };
        QuantizationConfig config = QuantizationConfig.of(packer.quantizationConfig(List.of()), "benchmark");
        return QuantizedWeights.wrap(store, Optional.of(config)).tensor("w.weight");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public void matmul(Traffic traffic) {
        backend.matmul(y, x, weight, rows);
        traffic.weightBytes += weightBytes;
        traffic.flops += 2L * rows * in * out;
    }
}
