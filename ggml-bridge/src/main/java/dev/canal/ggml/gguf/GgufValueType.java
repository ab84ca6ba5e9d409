package dev.canal.ggml.gguf;

import java.util.Optional;

/**
 * The metadata value types of GGUF with their on-disk ids. Java representation in {@link GgufFile#metadata()}:
 * UINT8, INT8, UINT16, INT16, INT32 as {@link Integer}; UINT32, INT64, UINT64 as {@link Long} (a UINT64 above
 * {@link Long#MAX_VALUE} keeps its bits, i.e. reads negative); FLOAT32 as {@link Float}; FLOAT64 as {@link Double};
 * BOOL as {@link Boolean}; STRING as {@link String}; ARRAY as {@link GgufArray} (a {@code List}).
 */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() {
        return id;
    }

    /**
     * The fewest bytes one value of this type occupies on disk (a string's or array's length prefix): used to
     * refuse element counts that cannot fit in the file before anything is allocated.
     */
    int minBytes() {
        return minBytes;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    public static Optional<GgufValueType> byId(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) return Optional.of(t);
        }
        return Optional.empty();
    }
}
