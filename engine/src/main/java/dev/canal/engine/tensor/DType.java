package dev.canal.engine.tensor;

import dev.canal.engine.api.CanalException;

/** Element types of dense tensors as they appear in weight files (safetensors names). */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I8(1), U8(1), I16(2), I32(4), I64(8), BOOL(1), F8_E4M3(1), F8_E5M2(1),
    /** Block-quantized: the tensor's {@link BlockFormat} says how its rows are encoded; no per-element size. */
    BLOCK(0),
    /**
     * A quantized linear weight stored as several tensors (AWQ, GPTQ, FP8, NVFP4 checkpoints): the tensor's
     * {@link PackedMatrix} reads them; no per-element size.
     */
    PACKED(0);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Floating-point types the dense CPU kernels read directly. */
    public boolean isDenseFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Parses a safetensors dtype string ("F32", "BF16", "F8_E4M3", ...). */
    public static DType fromSafetensors(String name, String where) {
        for (DType t : values()) {
            if (t != BLOCK && t != PACKED && t.name().equals(name)) return t;
        }
        throw new CanalException(where + ": unknown dtype \"" + name
                + "\" (expected one of F32, F16, BF16, F64, I8, U8, I16, I32, I64, BOOL, F8_E4M3, F8_E5M2)");
    }
}
