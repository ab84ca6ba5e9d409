package dev.canal.ggml.quant;

import dev.canal.engine.api.CanalException;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * ggml's tensor element types with the ids GGUF stores (ggml.h's {@code enum ggml_type}; the gaps 4, 5, 31..33 and
 * 36..38 are ids ggml retired). Each type stores {@link #blockSize()} elements in {@link #bytesPerBlock()} bytes.
 * Every known type can be read and sliced; only the {@link #supported()} ones can be computed with.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false),
    NVFP4(40, 64, 36, false),
    Q1_0(41, 128, 18, false),
    Q2_0(42, 64, 18, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean supported;

    GgmlType(int id, int blockSize, int bytesPerBlock, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.supported = supported;
    }

    /** The id GGUF stores in a tensor info. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain scalar types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes one block occupies. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether canal can dequantize, quantize and multiply with this type. */
    public boolean supported() {
        return supported;
    }

    /** Whether the type packs several elements into blocks with scales. */
    public boolean isBlockQuant() {
        return blockSize > 1;
    }

    /** The byte size of a row of {@code n} elements; {@code n} must be a multiple of the block size. */
    public long rowBytes(long n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(name() + " rows must be a multiple of " + blockSize
                    + " elements, got " + n);
        }
        return Math.multiplyExact(n / blockSize, (long) bytesPerBlock);
    }

    /** The type with this id, or empty when ggml never defined (or retired) it. */
    public static java.util.Optional<GgmlType> byId(long id) {
        if (id < 0 || id >= BY_ID.length) return java.util.Optional.empty();
        return java.util.Optional.ofNullable(BY_ID[(int) id]);
    }

    /** The supported types, for messages. */
    public static String supportedList() {
        return Arrays.stream(values()).filter(GgmlType::supported).map(Enum::name).collect(Collectors.joining(", "));
    }

    /**
     * Refuses a tensor whose type canal cannot compute with yet, naming the tensor and what would work.
     *
     * @param tensorName the tensor that needs this type, for the message
     */
    public void requireSupported(String tensorName) {
        if (!supported) {
            throw new CanalException("tensor " + tensorName + " is " + name()
                    + ", which canal does not run yet (supported: " + supportedList() + ")");
        }
    }
}
