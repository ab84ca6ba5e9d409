package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.CudaCalls.check;
import static dev.canal.engine.backend.cuda.bindings.Cublas.CUDA_R_16BF;
import static dev.canal.engine.backend.cuda.bindings.Cublas.CUDA_R_16F;
import static dev.canal.engine.backend.cuda.bindings.Cublas.CUDA_R_32F;
import static dev.canal.engine.backend.cuda.bindings.CudaDriver.cuMemcpyDtoD_v2;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.LoadProgress;
import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.TopK;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.quant.awq.AwqMatrix;
import dev.canal.engine.quant.fp8.Fp8Matrix;
import dev.canal.engine.quant.gptq.GptqMatrix;
import dev.canal.engine.quant.nvfp4.Nvfp4Matrix;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The decoder ops on one GPU with canal's kernels (first version: F32/F16/BF16, Q8_0/Q4_0, AWQ int4, GPTQ int4/int8, FP8 and NVFP4
 * weights as stored, read in place from the mapped files on an integrated GPU that reads host memory (GB10) and
 * copied to device memory elsewhere; GEMV kernels for decode; for prefill, cublasGemmEx by F32/F16/BF16 weights
 * where cuBLAS is installed and the kernel-table row names it, and multi-row GEMM kernels by quantized weights; a
 * ggml-quantized embedding table gathered on the host; the legacy default stream, one thread). Prefill by FP8 E4M3
 * (whole-row scales) and NVFP4 weights goes to cuBLASLt's FP8 / block-scaled FP4 matmul where the row has those
 * tensor cores and libcublasLt loads ({@link CublasLtPrefill}), from {@link CublasLtGemm#MIN_ROWS} rows. Attention
 * takes one of three kernels: tiled for prefill, split-K flash-decoding for a decode step over more than one
 * 256-key tile, one block per row otherwise. Sampling's candidates (argmax, top-k up to 256) are selected on the GPU
 * and only they are downloaded. Chosen only when asked for ({@code --device cuda}) until it has run on a GPU. Still
 * to come: a non-blocking stream and CUDA graphs for decode.
 */
public final class CudaBackend implements Backend {
    private static final int BLOCK = 256;
    private static final int GEMV_WARPS = 4;
    /**
     * The multi-row launch of each quantized GEMV kernel (gemv.cuh), for prefill: rows per grid row as there. The
     * table lists both kernels under the format's op.
     */
    static final Map<String, String> PREFILL_KERNELS = Map.of(
            "canal_gemv_q8_0", "canal_gemm_q8_0", "canal_gemv_q4_0", "canal_gemm_q4_0",
            "canal_gemv_fp8_e4m3", "canal_gemm_fp8_e4m3", "canal_gemv_nvfp4", "canal_gemm_nvfp4",
            "canal_gemv_awq_int4", "canal_gemm_awq_int4", "canal_gemv_gptq", "canal_gemm_gptq",
            "canal_gemv_fp8_e4m3_blocks", "canal_gemm_fp8_e4m3_blocks");
    private static final int GEMM_ROWS = 8;
    private static final int AWQ_GEMM_ROWS = 4;
    /** canal_gemm_gptq's rows per grid row and both GPTQ launches' block, as in gptq.cuh. */
    private static final int GPTQ_GEMM_ROWS = 8;
    private static final int GPTQ_SPLIT = 8;
    /** Split-K decoding: most chunks per head (canal_attention_split_f32kv). */
    static final int MAX_SPLITS = 64;
    /** Tiled prefill attention (canal_attention_prefill_f32kv): its constants, as in attention.cuh. */
    private static final int PREFILL_WARPS = 8;
    private static final int PREFILL_TILE = 32;
    private static final int PREFILL_MAX_HEAD_DIM = 128;
    /** The widest load a kernel makes from weight memory (16-byte {@code uint4}); see {@link #readInPlace}. */
    static final long IN_PLACE_ALIGNMENT = 16;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final CudaDevice device;
    private final KernelDispatch.Choice choice;
    private final CudaContext context;
    private final CudaKernels kernels;
    private final List<Long> owned = new ArrayList<>();
    private final Map<Rope, Long> invFreqs = new IdentityHashMap<>();
    private final long tokens; // device buffer for embed's token ids, grown on demand
    private int tokenCapacity = 4096;
    private long partials; // split-K decoding's partial states, see partials(long)
    private long partialsCapacity;
    private LoadProgress progress = LoadProgress.NONE;
    private long uploadTotal, uploaded;
    private final CublasGemm cublas; // null where cuBLAS is not usable: prefill then runs the GEMV kernels
    private final Set<DType> cublasDtypes; // dense weight types whose prefill matmuls go to cublasGemmEx
    private final String prefillMatmuls;
    private long halves; // device buffer for activations rounded to 16 bits for cublasGemmEx, grown on demand
    private long halvesBytes;
    private CudaTopK topK; // sampling's candidate kernels and their scratch, made on first use
    private final CublasLtPrefill lt; // null where FP8 / NVFP4 prefill keeps canal's GEMM kernels

    private CudaBackend(CudaDevice device, KernelDispatch.Choice choice, boolean useCublas) {
        this.device = device;
        this.choice = choice;
        // A build without kernels fails before the driver is touched, so nothing is left to release.
        KernelImage.fatbin().orElseThrow(() -> new CanalException(name() + ": " + KernelImage.status()));
        this.context = CudaContext.open(device.ordinal());
        CudaKernels loaded = null;
        try {
            loaded = CudaKernels.load();
            this.kernels = loaded;
            this.tokens = own(context.alloc(4L * tokenCapacity));
        } catch (RuntimeException e) {
            if (loaded != null) loaded.close();
            context.close();
            throw e;
        }
        CublasGemm.Opened opened = useCublas ? CublasGemm.open()
                : new CublasGemm.Opened(Optional.empty(), "cuBLAS: not used (GEMV kernels asked for)");
        KernelTable.Row row = choice.row().orElseThrow();
        Set<DType> onCublas = EnumSet.noneOf(DType.class);
        if (opened.gemm().isPresent()) {
            for (DType t : GEMM_OPS.keySet()) if (gemmOnCublas(row, t)) onCublas.add(t);
        }
        this.cublas = opened.gemm().orElse(null);
        this.cublasDtypes = onCublas;
        boolean fp8Lt = CublasLtPrefill.fp8OnRow(row), nvfp4Lt = CublasLtPrefill.nvfp4OnRow(row);
        CublasLtGemm.Opened ltOpened = !useCublas
                ? new CublasLtGemm.Opened(Optional.empty(), "cuBLASLt: not used (GEMM kernels asked for)")
                : !fp8Lt && !nvfp4Lt
                ? new CublasLtGemm.Opened(Optional.empty(), "the " + row.smName() + " row has no FP8 or FP4 tensor"
                        + " cores for cuBLASLt")
                : CublasLtGemm.open();
        this.lt = ltOpened.gemm().map(g -> new CublasLtPrefill(g, ltOpened.reason(), context, kernels,
                device.multiprocessors(), fp8Lt, nvfp4Lt)).orElse(null);
        this.prefillMatmuls = describePrefill(row, onCublas, opened.reason()) + "; "
                + (lt != null ? lt.describe(row) : "FP8 E4M3 and NVFP4: canal's GEMM kernels (" + ltOpened.reason() + ")");
    }

    /** The backend on device {@code ordinal}, or an exception saying why CUDA cannot run it here. */
    public static CudaBackend open(int ordinal) {
        return open(ordinal, true);
    }

    /**
     * As {@link #open(int)}; {@code useCublas} false keeps every matmul on canal's GEMV kernels (for tests that hold
     * the backend to the CPU's float products: cuBLAS prefill rounds F16/BF16 activations to 16 bits).
     */
    static CudaBackend open(int ordinal, boolean useCublas) {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.available()) throw new CanalException("cuda:" + ordinal + ": " + probe.unavailable().orElseThrow());
        if (ordinal < 0 || ordinal >= probe.devices().size()) {
            throw new CanalException("cuda:" + ordinal + ": no such GPU (" + probe.devices().size() + " found)");
        }
        CudaDevice d = probe.devices().get(ordinal);
        KernelDispatch.Choice choice = KernelDispatch.choose(d.major(), d.minor());
        if (!choice.gpu()) throw new CanalException("cuda:" + ordinal + " (" + d.name() + "): " + choice.reason());
        return new CudaBackend(d, choice, useCublas);
    }

    /**
     * Device memory kept free beyond the weights: the KV cache (a 1B model's 4096 positions in f32 are 256 MiB),
     * activations and the module's own allocations.
     */
    public static final long HEADROOM = 512L << 20;

    /** Tells {@code progress} of the weight copies to come, {@code total} bytes in all (the offload plan's figure). */
    public void reportUploads(long total, LoadProgress progress) {
        this.uploadTotal = total;
        this.uploaded = 0;
        this.progress = progress;
    }

    /** Free and total bytes of this GPU's memory now. */
    public long[] memoryInfo() {
        return context.memoryInfo();
    }

    public CudaDevice device() {
        return device;
    }

    public KernelDispatch.Choice choice() {
        return choice;
    }

    /**
     * How prefill (several rows) multiplies here, in one line: by dense weights "cublasGemmEx (cuBLAS: loaded …)",
     * or "GEMV kernels (…)" with why cuBLAS is not used; then by FP8 / NVFP4 weights "cublasLtMatmul for …" or
     * "canal's GEMM kernels (…)" with why cuBLASLt is not used.
     */
    public String prefillMatmuls() {
        return prefillMatmuls;
    }

    /** GEMMs run through cuBLAS so far (0 where it is not used). */
    long cublasGemms() {
        return cublas == null ? 0 : cublas.calls();
    }

    /**
     * Sampling candidates selected by the top-k kernels in this process, on every CUDA backend ({@link #topK} with k ≤
     * 256): how tests and diagnostics see that generation downloaded candidates instead of logits rows.
     */
    public static long topKSelections() {
        return CudaTopK.selections();
    }

    /** FP8 / NVFP4 GEMMs run through cuBLASLt so far (0 where it is not used). */
    long cublasLtGemms() {
        return lt == null ? 0 : lt.gemms();
    }

    /** Prefill matmuls the row sent to cuBLASLt that ran canal's kernel instead, and why the latest did. */
    long cublasLtFallbacks() {
        return lt == null ? 0 : lt.fallbacks();
    }

    String lastCublasLtFallback() {
        return lt == null ? "" : lt.lastFallback();
    }

    @Override
    public String name() {
        return "cuda:" + device.ordinal();
    }

    // --- memory

    /**
     * A dense or ggml block-quantized weight: {@code dtype} F32, F16, BF16 or BLOCK (then the tensor's format);
     * {@code gemv} the kernel the table's row names for multiplying by it (null for a vector).
     */
    record DeviceWeight(Tensor tensor, long rows, long cols, DType dtype, long pointer, String gemv)
            implements Weight { }

    /**
     * FP8 E4M3 [out, in] bytes and float scales as {@link Fp8Matrix} holds them, one per {@code blockRows ×
     * blockCols} tile. {@code tiled} false: a scale covers whole rows (per tensor, or per output channel where
     * {@link #perChannel}) and {@code gemv} is canal_gemv_fp8_e4m3; true: {@code gemv} is its _blocks sibling, which
     * looks the scale up per tile.
     */
    record DeviceFp8Weight(Tensor tensor, long rows, long cols, long weight, long scales, int blockRows,
                           int blockCols, boolean tiled, String gemv) implements Weight {
        /** Of a row-scaled weight: one scale per output row, not one for the tensor. */
        boolean perChannel() {
            return blockRows == 1 && rows > 1;
        }
    }

    /**
     * NVFP4: E2M1 pairs [out, in/2], E4M3 block scales [out, in/16], and the global multiplier; {@code tiledScales}
     * the block scales in cuBLASLt's tiled layout where prefill goes there (else 0).
     */
    record DeviceNvfp4Weight(Tensor tensor, long rows, long cols, long packed, long blockScales, float global,
                             long tiledScales, String gemv) implements Weight { }

    /** An AutoAWQ GEMM linear layer: its three tensors on the device, as stored. */
    record DeviceAwqWeight(Tensor tensor, long rows, long cols, long qweight, long qzeros, long scales, int group,
                           String gemv) implements Weight { }

    /**
     * A GPTQ linear layer: its tensors on the device as stored, and {@code gIdx} the group of each input as int32
     * where act-order makes it other than i / {@code group} (0 otherwise).
     */
    record DeviceGptqWeight(Tensor tensor, long rows, long cols, long qweight, long qzeros, long scales, long gIdx,
                            int bits, int group, boolean zerosMinusOne, boolean bf16Scales, String gemv)
            implements Weight { }

    record DeviceActivations(int rows, int cols, long pointer) implements Activations { }

    record DeviceKvCache(int layers, int kvHeads, int headDim, int capacity, long[] keys, long[] values)
            implements KvCache { }

    @Override
    public Weight weight(Tensor tensor) {
        DType dtype = tensor.dtype();
        if (dtype == DType.PACKED && tensor.packed() instanceof AwqMatrix awq) return awqWeight(tensor, awq);
        if (dtype == DType.PACKED && tensor.packed() instanceof GptqMatrix gptq) return gptqWeight(tensor, gptq);
        if (dtype == DType.PACKED && tensor.packed() instanceof Fp8Matrix fp8) return fp8Weight(tensor, fp8);
        if (dtype == DType.PACKED && tensor.packed() instanceof Nvfp4Matrix nv) {
            String gemv = gemv(tensor, "NVFP4");
            long packed = place(nv.packedTensor().data()), scales = place(nv.scalesTensor().data());
            long tiled = lt == null ? 0 : lt.tiledWeightScales(scales, nv.rows(), nv.cols(), packed);
            return new DeviceNvfp4Weight(tensor, nv.rows(), nv.cols(), packed, scales, nv.globalMultiplier(), tiled,
                    gemv);
        }
        if (dtype == DType.BLOCK && KernelTable.FORMAT_OPS.containsKey(tensor.format().name()) && tensor.rank() == 2) {
            String gemv = gemv(tensor, tensor.format().name());
            return new DeviceWeight(tensor, tensor.dim(0), tensor.dim(1), DType.BLOCK, place(tensor.data()), gemv);
        }
        if (!dtype.isDenseFloat()) {
            throw new CanalException("tensor " + tensor.name() + ": " + tensor.typeName() + " is not supported by the"
                    + " cuda backend yet (expected " + String.join(", ", KernelTable.FORMAT_OPS.keySet())
                    + "; --device cpu runs it)");
        }
        if (tensor.rank() != 1 && tensor.rank() != 2) {
            throw new CanalException("tensor " + tensor.name() + ": shape " + tensor.shapeString()
                    + " is not supported by the cuda backend (expected a 1-D vector or a 2-D [out, in] matrix)");
        }
        long rows = tensor.rank() == 1 ? 1 : tensor.dim(0);
        long cols = tensor.rank() == 1 ? tensor.dim(0) : tensor.dim(1);
        if (tensor.rank() == 1) {
            // Vectors (norms, biases) become f32 once so the element-wise kernels need no per-dtype variants.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment f = arena.allocate(ValueLayout.JAVA_FLOAT, cols);
                for (long i = 0; i < cols; i++) f.setAtIndex(ValueLayout.JAVA_FLOAT, i, element(tensor, i));
                return new DeviceWeight(tensor, rows, cols, DType.F32, own(context.copyOf(f)), null);
            }
        }
        String gemv = gemv(tensor, dtype.name());
        return new DeviceWeight(tensor, rows, cols, dtype, place(tensor.data()), gemv);
    }

    /**
     * The GEMV kernel this GPU's kernel-table row names for weights in {@code format}, refusing the tensor where the
     * row sends the format to the CPU (a model runs on one backend: --device cpu then).
     */
    private String gemv(Tensor tensor, String format) {
        KernelTable.Row row = choice.row().orElseThrow();
        String kernel = gemvKernel(row, format);
        if (kernel == null) {
            throw new CanalException("tensor " + tensor.name() + ": " + format + " has no GPU kernel on " + row.smName()
                    + " (the kernel table runs it on the CPU); --device cpu runs the model");
        }
        return kernel;
    }

    /**
     * The row's kernel for multiplying by {@code format} ({@link KernelTable#FORMAT_OPS}): the op's own kernel where
     * it is one of canal's, else its fallback where that is, else null. Decode runs it for every format; prefill by
     * dense weights may take cuBLAS instead ({@link #gemmOnCublas}), by FP8 / NVFP4 cuBLASLt ({@link CublasLtPrefill}).
     */
    static String gemvKernel(KernelTable.Row row, String format) {
        KernelTable.Op op = row.op(KernelTable.FORMAT_OPS.get(format));
        for (String k : op.kernels()) {
            if (k.startsWith("canal_")) return k;
        }
        return op.fallback().startsWith("canal_") ? op.fallback() : null;
    }

    /**
     * How this backend runs {@code format} on a GPU of {@code row}: in the op's mode where it calls the op's own
     * kernel, EMULATED where it takes the fallback (canal's software kernel in place of a library call the op
     * names), CPU where the row has no kernel of canal's for it.
     */
    public static KernelTable.Mode mode(KernelTable.Row row, String format) {
        String kernel = gemvKernel(row, format);
        if (kernel == null) return KernelTable.Mode.CPU;
        KernelTable.Op op = row.op(KernelTable.FORMAT_OPS.get(format));
        return op.kernels().contains(kernel) ? op.mode() : KernelTable.Mode.EMULATED;
    }

    /**
     * For {@code doctor}: the prefill matmuls a GPU of {@code row} sends to cuBLASLt where libcublasLt loads, or
     * "none" and why.
     */
    public static String cublasLtPrefill(KernelTable.Row row) {
        boolean fp8 = CublasLtPrefill.fp8OnRow(row), nvfp4 = CublasLtPrefill.nvfp4OnRow(row);
        if (!fp8 && !nvfp4) return "none (no FP8 or FP4 tensor cores on " + row.smName() + ")";
        return (fp8 && nvfp4 ? "FP8 E4M3 and NVFP4" : "FP8 E4M3") + " prefill from " + CublasLtGemm.MIN_ROWS
                + " rows, activations quantized on the GPU (decode keeps the GEMV kernels)";
    }

    /** The kernel-table op of each dense weight type's prefill GEMM. */
    static final Map<DType, String> GEMM_OPS = Map.of(DType.F32, "gemm_f32", DType.F16, "gemm_f16",
            DType.BF16, "gemm_bf16");

    /** Whether {@code row} sends prefill matmuls by {@code dtype} weights to cublasGemmEx (where cuBLAS is there). */
    static boolean gemmOnCublas(KernelTable.Row row, DType dtype) {
        String op = GEMM_OPS.get(dtype);
        return op != null && row.op(op).kernels().contains("cublasGemmEx");
    }

    private static String describePrefill(KernelTable.Row row, Set<DType> onCublas, String cublas) {
        if (onCublas.isEmpty()) return "GEMV kernels (" + cublas + ")";
        List<String> gemv = new ArrayList<>();
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) if (!onCublas.contains(t)) gemv.add(t.name());
        if (gemv.isEmpty()) return "cublasGemmEx (" + cublas + ")";
        return "cublasGemmEx, GEMV kernels for " + String.join(", ", gemv) + " (the " + row.smName() + " row's"
                + " choice; " + cublas + ")";
    }

    /**
     * FP8 E4M3 weights. Per-tensor and per-channel scales keep canal_gemv_fp8_e4m3, which scales a whole row by one
     * float; scales per tile (DeepSeek / Qwen3 128 × 128, compressed-tensors "block") or per group along the input
     * take the row's _blocks kernel, which scales each block's partial sum.
     */
    private Weight fp8Weight(Tensor tensor, Fp8Matrix fp8) {
        String gemv = gemv(tensor, "FP8 E4M3");
        boolean wholeRows = fp8.blockCols() >= fp8.cols() && (fp8.blockRows() == 1 || fp8.blockRows() >= fp8.rows());
        if (!wholeRows) gemv = fp8BlocksKernel(tensor, fp8);
        return new DeviceFp8Weight(tensor, fp8.rows(), fp8.cols(), place(fp8.weightTensor().data()),
                own(context.copyOf(MemorySegment.ofArray(fp8.scales()))), fp8.blockRows(), fp8.blockCols(),
                !wholeRows, gemv);
    }

    /** The block-scaled FP8 kernel of this GPU's row, refusing {@code tensor} where the row names none. */
    private String fp8BlocksKernel(Tensor tensor, Fp8Matrix fp8) {
        KernelTable.Row row = choice.row().orElseThrow();
        String kernel = fp8BlocksKernel(row);
        if (kernel == null) {
            throw new CanalException("tensor " + tensor.name() + ": " + fp8.formatName() + " with "
                    + fp8.blockRows() + " × " + fp8.blockCols() + " scale blocks has no GPU kernel on " + row.smName()
                    + " (its kernel-table row names none for gemv_fp8; per-tensor and per-channel scales run there)"
                    + "; --device cpu runs the model");
        }
        return kernel;
    }

    /**
     * The GEMV kernel {@code row} names under gemv_fp8 for weights scaled per tile (canal_gemv_fp8_e4m3_blocks), or
     * null where it names none: a row that sends FP8 to a library call or the CPU has no tile kernel either.
     */
    static String fp8BlocksKernel(KernelTable.Row row) {
        for (String k : row.op(KernelTable.FORMAT_OPS.get("FP8 E4M3")).kernels()) {
            if (k.startsWith("canal_gemv_") && k.endsWith("_blocks")) return k;
        }
        return null;
    }

    private Weight awqWeight(Tensor tensor, AwqMatrix awq) {
        String gemv = gemv(tensor, "AWQ int4");
        return new DeviceAwqWeight(tensor, awq.rows(), awq.cols(), place(awq.qweight().data()),
                place(awq.qzeros().data()), place(awq.scales().data()), awq.groupSize(), gemv);
    }

    /**
     * GPTQ's tensors as stored. Without act-order the kernels compute each input's group, so g_idx is not read; with
     * it an I32 g_idx is read in place and an I64 one becomes an int32 copy.
     */
    private Weight gptqWeight(Tensor tensor, GptqMatrix gptq) {
        String gemv = gemv(tensor, "GPTQ int" + gptq.bits());
        long gIdx = 0;
        if (gptq.actOrder()) {
            Optional<Tensor> stored = gptq.gIdx().filter(g -> g.dtype() == DType.I32);
            if (stored.isPresent()) {
                gIdx = place(stored.get().data());
            } else {
                int[] groups = new int[(int) gptq.cols()];
                for (int i = 0; i < groups.length; i++) groups[i] = gptq.group(i);
                gIdx = own(context.copyOf(MemorySegment.ofArray(groups)));
            }
        }
        return new DeviceGptqWeight(tensor, gptq.rows(), gptq.cols(), place(gptq.qweight().data()),
                place(gptq.qzeros().data()), place(gptq.scales().data()), gIdx, gptq.bits(), gptq.groupSize(),
                gptq.zerosMinusOne(), gptq.scales().dtype() == DType.BF16, gemv);
    }

    private static float element(Tensor t, long i) {
        MemorySegment d = t.data();
        return switch (t.dtype()) {
            case F32 -> d.get(LE_FLOAT, 4 * i);
            case F16 -> Float.float16ToFloat(d.get(LE_SHORT, 2 * i));
            case BF16 -> Float.intBitsToFloat(d.get(LE_SHORT, 2 * i) << 16);
            default -> throw new IllegalStateException(t.dtype().toString());
        };
    }

    @Override
    public Activations allocate(int rows, int cols) {
        return new DeviceActivations(rows, cols, own(context.alloc(4L * rows * cols)));
    }

    @Override
    public KvCache allocateKvCache(int layers, int kvHeads, int headDim, int capacity) {
        long[] keys = new long[layers], values = new long[layers];
        long bytes = 4L * capacity * kvHeads * headDim;
        for (int l = 0; l < layers; l++) {
            keys[l] = own(context.alloc(bytes));
            values[l] = own(context.alloc(bytes));
        }
        return new DeviceKvCache(layers, kvHeads, headDim, capacity, keys, values);
    }

    // --- ops

    @Override
    public void embed(Activations out, Weight table, int[] ids, int rows) {
        DeviceActivations o = act(out, rows);
        DeviceWeight t = weight(table);
        if (t.cols() != o.cols()) throw new IllegalArgumentException("embed: " + shape(o) + " vs " + t.tensor());
        if (ids.length < rows) throw new IllegalArgumentException(ids.length + " tokens for " + rows + " rows");
        if (rows > tokenCapacity) throw new IllegalArgumentException("embed: " + rows + " rows, at most " + tokenCapacity);
        for (int r = 0; r < rows; r++) {
            if (ids[r] < 0 || ids[r] >= t.rows()) {
                throw new CanalException("tensor " + t.tensor().name() + ": token id " + ids[r]
                        + " is outside the embedding table's " + t.rows() + " rows");
            }
        }
        if (t.dtype() == DType.BLOCK) {
            // A ggml-quantized table (GGUF token_embd) is gathered on the host from the mapped file, as llama.cpp
            // keeps it on the CPU: rows tokens' worth of floats cross the bus, not a dequantized table.
            int cols = (int) t.cols();
            float[] gathered = new float[rows * cols];
            long rowBytes = t.tensor().format().rowBytes(cols);
            for (int r = 0; r < rows; r++) {
                t.tensor().format().dequantizeRow(t.tensor().data(), ids[r] * rowBytes, gathered, r * cols, cols);
            }
            if (rows > 0) context.upload(o.pointer(), MemorySegment.ofArray(gathered));
            return;
        }
        context.upload(tokens, MemorySegment.ofArray(java.util.Arrays.copyOf(ids, rows)));
        String kernel = switch (t.dtype()) {
            case F32 -> "canal_embed_f32";
            case F16 -> "canal_embed_f16";
            default -> "canal_embed_bf16";
        };
        if (rows > 0) kernels.launch(kernel, rows, 1, BLOCK, 1, 0, o.pointer(), t.pointer(), tokens, o.cols());
    }

    @Override
    public void rmsNorm(Activations out, Activations x, Weight weight, float eps, int rows) {
        DeviceActivations o = act(out, rows), in = act(x, rows);
        DeviceWeight w = weight(weight);
        if (o.cols() != in.cols() || in.cols() % w.cols() != 0) {
            throw new IllegalArgumentException("rmsNorm: x " + shape(in) + ", out " + shape(o) + ", weight " + w.cols());
        }
        // Groups of weight.cols() consecutive columns are contiguous: normalise them as rows of that length.
        int groups = (int) (rows * (in.cols() / w.cols()));
        if (groups > 0) {
            kernels.launch("canal_rmsnorm_f32", groups, 1, BLOCK, 1, 0, o.pointer(), in.pointer(), w.pointer(), eps,
                    (int) w.cols());
        }
    }

    @Override
    public void matmul(Activations out, Activations x, Weight w, int rows) {
        DeviceActivations o = act(out, rows), in = act(x, rows);
        // Several rows (prefill) take the format's canal_gemm_* launch where it has one: it decodes each weight block
        // once for GEMM_ROWS rows (AWQ_GEMM_ROWS for AWQ, GPTQ_GEMM_ROWS for GPTQ) instead of once per row.
        String gemv = gemvName(w);
        String prefill = rows > 1 && gemv != null ? PREFILL_KERNELS.get(gemv) : null;
        if (w instanceof DeviceAwqWeight a) {
            checkProduct(in, o, a.tensor(), a.rows(), a.cols());
            // a block of 32 × 8 threads takes 256 output columns (32 packed words of 8)
            int blocks = (int) ((a.rows() + 255) / 256);
            if (prefill != null) {
                kernels.launch(prefill, blocks, groups(rows, AWQ_GEMM_ROWS), 32, 8, 0, o.pointer(), a.qweight(),
                        a.qzeros(), a.scales(), in.pointer(), in.cols(), (int) a.rows(), a.group(), rows);
            } else if (rows > 0) {
                kernels.launch(a.gemv(), blocks, rows, 32, 8, 0, o.pointer(), a.qweight(), a.qzeros(), a.scales(),
                        in.pointer(), in.cols(), (int) a.rows(), a.group());
            }
            return;
        }
        if (w instanceof DeviceGptqWeight g) {
            checkProduct(in, o, g.tensor(), g.rows(), g.cols());
            int blocks = (int) ((g.rows() + 31) / 32); // a block of 32 × GPTQ_SPLIT threads takes 32 output columns
            int v1 = g.zerosMinusOne() ? 1 : 0, bf16 = g.bf16Scales() ? 1 : 0;
            if (prefill != null) {
                kernels.launch(prefill, blocks, groups(rows, GPTQ_GEMM_ROWS), 32, GPTQ_SPLIT, 0, o.pointer(),
                        g.qweight(), g.qzeros(), g.scales(), g.gIdx(), in.pointer(), in.cols(), (int) g.rows(),
                        g.bits(), g.group(), v1, bf16, rows);
            } else if (rows > 0) {
                kernels.launch(g.gemv(), blocks, rows, 32, GPTQ_SPLIT, 0, o.pointer(), g.qweight(), g.qzeros(),
                        g.scales(), g.gIdx(), in.pointer(), in.cols(), (int) g.rows(), g.bits(), g.group(), v1,
                        bf16);
            }
            return;
        }
        if (w instanceof DeviceFp8Weight f && f.tiled()) {
            checkProduct(in, o, f.tensor(), f.rows(), f.cols());
            if (prefill != null) {
                kernels.launch(prefill, gemvBlocks(f.rows()), groups(rows, GEMM_ROWS), 32 * GEMV_WARPS, 1, 0,
                        o.pointer(), f.weight(), f.scales(), f.blockRows(), f.blockCols(), in.pointer(), in.cols(),
                        (int) f.rows(), rows);
            } else if (rows > 0) {
                kernels.launch(f.gemv(), gemvBlocks(f.rows()), rows, 32 * GEMV_WARPS, 1, 0, o.pointer(),
                        f.weight(), f.scales(), f.blockRows(), f.blockCols(), in.pointer(), in.cols(),
                        (int) f.rows());
            }
            return;
        }
        if (w instanceof DeviceFp8Weight f) {
            checkProduct(in, o, f.tensor(), f.rows(), f.cols());
            if (lt != null && lt.fp8(o, in, f, rows)) return;
            if (prefill != null) {
                kernels.launch(prefill, gemvBlocks(f.rows()), groups(rows, GEMM_ROWS), 32 * GEMV_WARPS, 1, 0,
                        o.pointer(), f.weight(), f.scales(), f.perChannel() ? 1 : 0, in.pointer(), in.cols(),
                        (int) f.rows(), rows);
            } else if (rows > 0) {
                kernels.launch(f.gemv(), gemvBlocks(f.rows()), rows, 32 * GEMV_WARPS, 1, 0, o.pointer(),
                        f.weight(), f.scales(), f.perChannel() ? 1 : 0, in.pointer(), in.cols(), (int) f.rows());
            }
            return;
        }
        if (w instanceof DeviceNvfp4Weight n) {
            checkProduct(in, o, n.tensor(), n.rows(), n.cols());
            if (lt != null && lt.nvfp4(o, in, n, rows)) return;
            if (prefill != null) {
                kernels.launch(prefill, gemvBlocks(n.rows()), groups(rows, GEMM_ROWS), 32 * GEMV_WARPS, 1, 0,
                        o.pointer(), n.packed(), n.blockScales(), n.global(), in.pointer(), in.cols(),
                        (int) n.rows(), rows);
            } else if (rows > 0) {
                kernels.launch(n.gemv(), gemvBlocks(n.rows()), rows, 32 * GEMV_WARPS, 1, 0, o.pointer(),
                        n.packed(), n.blockScales(), n.global(), in.pointer(), in.cols(), (int) n.rows());
            }
            return;
        }
        DeviceWeight m = weight(w);
        checkProduct(in, o, m.tensor(), m.rows(), m.cols());
        if (m.gemv() == null) throw new IllegalArgumentException("matmul by a vector: " + m.tensor());
        int outs = (int) m.rows();
        if (rows > 1 && cublasDtypes.contains(m.dtype())) {
            gemm(o, in, m, rows);
            return;
        }
        if (prefill != null) {
            kernels.launch(prefill, gemvBlocks(outs), groups(rows, GEMM_ROWS), 32 * GEMV_WARPS, 1, 0, o.pointer(),
                    m.pointer(), in.pointer(), in.cols(), outs, rows);
        } else if (rows > 0) {
            kernels.launch(m.gemv(), gemvBlocks(outs), rows, 32 * GEMV_WARPS, 1, 0, o.pointer(),
                    m.pointer(), in.pointer(), in.cols(), outs);
        }
    }

    @Override
    public void addBias(Activations x, Weight bias, int rows) {
        DeviceActivations a = act(x, rows);
        DeviceWeight b = weight(bias);
        if (b.cols() != a.cols()) throw new IllegalArgumentException("addBias: " + shape(a) + " vs " + b.tensor());
        long n = (long) rows * a.cols();
        if (n > 0) kernels.launch("canal_add_bias_f32", grid(n), 1, BLOCK, 1, 0, a.pointer(), b.pointer(), a.cols(), n);
    }

    @Override
    public void rope(Activations x, int heads, Rope rope, int startPos, int rows) {
        DeviceActivations a = act(x, rows);
        if (a.cols() != heads * rope.headDim() || rope.rotaryDim() > rope.headDim()
                || rope.invFreq().length < rope.rotaryDim() / 2) {
            throw new IllegalArgumentException("rope: x " + shape(a) + " for " + heads + " heads of "
                    + rope.headDim() + ", rotaryDim " + rope.rotaryDim());
        }
        long inv = invFreqs.computeIfAbsent(rope, r -> own(context.copyOf(MemorySegment.ofArray(r.invFreq()))));
        int threads = Math.max(1, Math.min(rope.rotaryDim() / 2, BLOCK));
        if (rows > 0 && rope.rotaryDim() > 0) {
            kernels.launch("canal_rope_f32", rows, heads, threads, 1, 0, a.pointer(), inv, heads, rope.headDim(),
                    rope.rotaryDim(), startPos, rope.attentionScale(), rope.neoxPairing() ? 1 : 0);
        }
    }

    @Override
    public void attention(Activations out, Activations q, Activations k, Activations v, KvCache cache, int layer,
                          int startPos, int rows, AttentionShape shape) {
        DeviceActivations o = act(out, rows), qa = act(q, rows), ka = act(k, rows), va = act(v, rows);
        if (!(cache instanceof DeviceKvCache c)) throw new IllegalArgumentException("not a cuda kv cache: " + cache);
        int qCols = shape.heads() * shape.headDim();
        int kvCols = shape.kvHeads() * shape.headDim();
        if (qa.cols() != qCols || o.cols() != qCols || ka.cols() != kvCols || va.cols() != kvCols
                || c.kvHeads() != shape.kvHeads() || c.headDim() != shape.headDim()
                || layer < 0 || layer >= c.layers() || startPos < 0 || shape.headDim() > 2 * BLOCK) {
            throw new IllegalArgumentException("attention: q " + shape(qa) + ", k " + shape(ka) + ", v " + shape(va)
                    + ", out " + shape(o) + " do not fit " + shape + " at layer " + layer + ", start " + startPos);
        }
        if (startPos + rows > c.capacity()) {
            throw new CanalException("context full: positions up to " + (startPos + rows) + " requested, the kv "
                    + "cache holds " + c.capacity());
        }
        if (rows == 0) return;
        // The cache is [position][kvHead][headDim], k and v are [row][kvHead·headDim]: one contiguous copy each.
        long offset = 4L * startPos * kvCols, bytes = 4L * rows * kvCols;
        long keys = c.keys()[layer], values = c.values()[layer];
        check(cuMemcpyDtoD_v2(keys + offset, ka.pointer(), bytes), "cuMemcpyDtoD(keys)");
        check(cuMemcpyDtoD_v2(values + offset, va.pointer(), bytes), "cuMemcpyDtoD(values)");
        int heads = shape.heads(), headDim = shape.headDim();
        if (rows == 1) {
            int first = shape.slidingWindow() > 0 ? Math.max(0, startPos - shape.slidingWindow() + 1) : 0;
            int splits = decodeSplits(startPos + 1 - first, heads, device.multiprocessors());
            if (splits > 1) {
                int chunk = (startPos + 1 - first + splits - 1) / splits;
                long partials = partials((long) heads * splits * (headDim + 2));
                kernels.launch("canal_attention_split_f32kv", splits, heads, BLOCK, 1, 4 * (headDim + BLOCK),
                        partials, qa.pointer(), keys, values, heads, shape.kvHeads(), headDim, shape.scale(),
                        shape.slidingWindow(), startPos, chunk);
                kernels.launch("canal_attention_merge_f32", heads, 1, Math.min(BLOCK, roundUpToWarp(headDim)), 1, 0,
                        o.pointer(), partials, splits, headDim);
                return;
            }
        } else if (headDim <= PREFILL_MAX_HEAD_DIM) {
            int sharedFloats = PREFILL_TILE * (headDim + 1) + PREFILL_TILE * headDim + PREFILL_WARPS * headDim
                    + PREFILL_WARPS * PREFILL_TILE;
            kernels.launch("canal_attention_prefill_f32kv", (rows + PREFILL_WARPS - 1) / PREFILL_WARPS, heads,
                    PREFILL_WARPS * 32, 1, 4 * sharedFloats, o.pointer(), qa.pointer(), keys, values, heads,
                    shape.kvHeads(), headDim, shape.scale(), shape.slidingWindow(), startPos, rows);
            return;
        }
        kernels.launch("canal_attention_f32kv", rows, heads, BLOCK, 1, 4 * (headDim + BLOCK), o.pointer(),
                qa.pointer(), keys, values, heads, shape.kvHeads(), headDim, shape.scale(), shape.slidingWindow(),
                startPos);
    }

    /**
     * How many chunks split-K decoding cuts {@code keys} visible keys into: enough blocks (heads × splits) for about
     * two per SM, each chunk at least one {@link #BLOCK}-key tile, at most {@link #MAX_SPLITS}; 1 means the one-block-
     * per-head kernel, which short contexts keep.
     */
    static int decodeSplits(int keys, int heads, int multiprocessors) {
        int byKeys = (keys + BLOCK - 1) / BLOCK;
        int bySms = Math.max(1, (2 * Math.max(1, multiprocessors) + heads - 1) / heads);
        return Math.max(1, Math.min(MAX_SPLITS, Math.min(byKeys, bySms)));
    }

    /** The split-K scratch of at least {@code floats} floats, grown on demand and kept for the backend's life. */
    private long partials(long floats) {
        if (floats > partialsCapacity) {
            if (partials != 0) {
                owned.remove(Long.valueOf(partials));
                context.free(partials);
            }
            partials = own(context.alloc(4L * floats));
            partialsCapacity = floats;
        }
        return partials;
    }

    private static int roundUpToWarp(int n) {
        return (n + 31) / 32 * 32;
    }

    @Override
    public void swiglu(Activations gate, Activations up, int rows) {
        DeviceActivations g = act(gate, rows), u = act(up, rows);
        if (g.cols() != u.cols()) throw new IllegalArgumentException("swiglu: " + shape(g) + " vs " + shape(u));
        long n = (long) rows * g.cols();
        if (n > 0) kernels.launch("canal_swiglu_f32", grid(n), 1, BLOCK, 1, 0, g.pointer(), u.pointer(), n);
    }

    @Override
    public void add(Activations x, Activations y, int rows) {
        DeviceActivations a = act(x, rows), b = act(y, rows);
        if (a.cols() != b.cols()) throw new IllegalArgumentException("add: " + shape(a) + " vs " + shape(b));
        long n = (long) rows * a.cols();
        if (n > 0) kernels.launch("canal_add_f32", grid(n), 1, BLOCK, 1, 0, a.pointer(), b.pointer(), n);
    }

    @Override
    public void copyRow(Activations dst, int dstRow, Activations src, int srcRow) {
        DeviceActivations d = act(dst, dstRow + 1), s = act(src, srcRow + 1);
        if (d.cols() != s.cols()) throw new IllegalArgumentException("copyRow: " + shape(d) + " vs " + shape(s));
        check(cuMemcpyDtoD_v2(d.pointer() + 4L * dstRow * d.cols(), s.pointer() + 4L * srcRow * s.cols(),
                4L * d.cols()), "cuMemcpyDtoD(row)");
    }

    @Override
    public void read(Activations x, int row, float[] dst) {
        DeviceActivations a = act(x, row + 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, a.cols());
            context.download(host, a.pointer() + 4L * row * a.cols()); // synchronous: waits for the queued ops
            MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, dst, 0, a.cols());
        }
    }

    /**
     * Selected on the GPU for k ≤ {@link CudaTopK#MAX_K} (256; k = 1 by canal_argmax_f32), so only the k values and
     * ids cross to the host; a larger k reads the whole row and selects on the host (Backend's default).
     */
    @Override
    public void topK(Activations x, int row, int k, float[] values, int[] ids) {
        DeviceActivations a = act(x, row + 1);
        TopK.check(k, a.cols(), values, ids);
        if (k > CudaTopK.MAX_K) {
            Backend.super.topK(x, row, k, values, ids);
            return;
        }
        if (topK == null) topK = new CudaTopK(kernels, context, own(context.alloc(CudaTopK.scratchBytes())));
        topK.select(a.pointer() + 4L * row * a.cols(), a.cols(), k, values, ids);
    }

    @Override
    public void write(Activations x, int row, float[] src) {
        DeviceActivations a = act(x, row + 1);
        if (src.length < a.cols()) throw new IllegalArgumentException("write: " + src.length + " floats for " + shape(a));
        context.upload(a.pointer() + 4L * row * a.cols(), MemorySegment.ofArray(src).asSlice(0, 4L * a.cols()));
    }

    @Override
    public void close() {
        try {
            if (cublas != null) cublas.close();
        } finally {
            try {
                if (lt != null) lt.close();
            } finally {
                for (long p : owned) context.free(p);
                owned.clear();
                kernels.close();
                context.close();
            }
        }
    }

    // --- helpers

    /**
     * A prefill matmul by dense weights through cublasGemmEx. cuBLAS multiplies A and B of one type, so for F16 and
     * BF16 weights the f32 activations are first rounded to that type (as llama.cpp does; HF runs such models with
     * 16-bit activations throughout); F32 weights take them as they are.
     */
    private void gemm(DeviceActivations out, DeviceActivations x, DeviceWeight w, int rows) {
        long n = (long) rows * x.cols();
        long b = x.pointer();
        int type = CUDA_R_32F;
        if (w.dtype() != DType.F32) {
            b = halves(2 * n);
            type = w.dtype() == DType.F16 ? CUDA_R_16F : CUDA_R_16BF;
            kernels.launch(w.dtype() == DType.F16 ? "canal_convert_f32_f16" : "canal_convert_f32_bf16", grid(n), 1,
                    BLOCK, 1, 0, b, x.pointer(), n);
        }
        cublas.multiply(w.tensor().name(), out.pointer(), w.pointer(), b, type, rows, x.cols(), (int) w.rows());
    }

    /** The 16-bit activation buffer, at least {@code bytes}: replaced by a larger one when a longer prefill comes. */
    private long halves(long bytes) {
        if (bytes > halvesBytes) {
            if (halves != 0) {
                context.synchronize(); // queued GEMMs may still read the old buffer
                owned.remove(Long.valueOf(halves));
                context.free(halves);
                halves = 0;
                halvesBytes = 0;
            }
            halves = own(context.alloc(bytes));
            halvesBytes = bytes;
        }
        return halves;
    }

    /**
     * A device pointer to weight bytes as stored: the mapped file itself where the GPU reads host memory in place
     * ({@link CudaDevice#readsWeightsInPlace}: nothing copied or freed), else a device copy this backend frees.
     */
    private long place(MemorySegment weights) {
        if (readInPlace(device, weights)) return weights.address();
        long p = own(context.copyOf(weights));
        uploaded += weights.byteSize();
        if (uploadTotal > 0) progress.uploaded(Math.min(uploaded, uploadTotal), uploadTotal);
        return p;
    }

    /**
     * Whether kernels may read {@code weights} where they are mapped. The kernels load weights up to 16 bytes at a
     * time ({@code uint4}), which faults on an address that is not a multiple of 16, and a safetensors tensor starts
     * wherever its header's offsets put it (the format pads the data start to 8 bytes at most). A misaligned tensor
     * is copied instead, into device memory that cuMemAlloc aligns to 256 bytes.
     */
    static boolean readInPlace(CudaDevice device, MemorySegment weights) {
        return device.readsWeightsInPlace() && weights.isNative() && weights.address() % IN_PLACE_ALIGNMENT == 0;
    }

    private long own(long pointer) {
        owned.add(pointer);
        return pointer;
    }

    /** Blocks for a grid-stride loop over n elements: enough to fill the GPU, no more than the work. */
    private int grid(long n) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        return (int) Math.min(blocks, Math.max(1, device.multiprocessors()) * 8L);
    }

    private static DeviceActivations act(Activations a, int rows) {
        if (!(a instanceof DeviceActivations d)) throw new IllegalArgumentException("not cuda activations: " + a);
        if (rows < 0 || rows > d.rows()) throw new IllegalArgumentException(rows + " rows requested of " + shape(d));
        return d;
    }

    /** x [rows, in] · Wᵀ [in, out] into [rows, out]: the shapes must agree. */
    private static void checkProduct(DeviceActivations in, DeviceActivations out, Tensor w, long wRows, long wCols) {
        if (in.cols() != wCols || out.cols() != wRows) {
            throw new IllegalArgumentException("matmul: x " + shape(in) + " · " + w + "ᵀ into " + shape(out));
        }
    }

    /** The GEMV kernel a weight of this backend was bound with. */
    private static String gemvName(Weight w) {
        return switch (w) {
            case DeviceAwqWeight a -> a.gemv();
            case DeviceGptqWeight g -> g.gemv();
            case DeviceFp8Weight f -> f.gemv();
            case DeviceNvfp4Weight n -> n.gemv();
            case DeviceWeight d -> d.gemv();
            default -> throw new IllegalArgumentException("not a cuda weight: " + w.tensor());
        };
    }

    /** Grid rows for {@code rows} activation rows taken {@code per} at a time. */
    private static int groups(int rows, int per) {
        return (rows + per - 1) / per;
    }

    /** Blocks of a warp-per-output GEMV ({@link #GEMV_WARPS} warps a block). */
    private static int gemvBlocks(long outs) {
        return (int) ((outs + GEMV_WARPS - 1) / GEMV_WARPS);
    }

    private static DeviceWeight weight(Weight w) {
        if (!(w instanceof DeviceWeight d)) throw new IllegalArgumentException("not a cuda weight: " + w.tensor());
        return d;
    }

    private static String shape(DeviceActivations a) {
        return a.rows() + "x" + a.cols();
    }
}
