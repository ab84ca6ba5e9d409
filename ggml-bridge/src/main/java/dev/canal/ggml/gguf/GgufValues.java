package dev.canal.ggml.gguf;

/** Range rules of GGUF's integer types, shared by the writer and {@link GgufArray}. */
final class GgufValues {
    private GgufValues() {
    }

    /** Refuses a value the type cannot hold (UINT64 accepts any long: its bits are written as is). */
    static void checkRange(GgufValueType type, long v) {
        boolean ok = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            case INT64, UINT64 -> true;
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
        if (!ok) throw new IllegalArgumentException(v + " does not fit GGUF type " + type);
    }
}
