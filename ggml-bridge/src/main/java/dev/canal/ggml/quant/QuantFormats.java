package dev.canal.ggml.quant;

import java.util.EnumMap;
import java.util.Map;

/** The codec and kernel of each supported {@link GgmlType}. Formats are stateless and thread-safe. */
public final class QuantFormats {
    private static final Map<GgmlType, QuantFormat> FORMATS = new EnumMap<>(GgmlType.class);

    static {
        for (QuantFormat f : new QuantFormat[] {new F32Format(), new F16Format(), new BF16Format(), new Q8_0Format(),
                new Q4_0Format(), new Q4_1Format(), new Q5_0Format(), new Q5_1Format(), new Q4_KFormat(),
                new Q5_KFormat(), new Q6_KFormat()}) {
            FORMATS.put(f.type(), f);
        }
    }

    private QuantFormats() {
    }

    /**
     * The format of a supported type; for an unsupported one a CanalException naming the tensor.
     *
     * @param tensorName the tensor that needs it, for the message
     */
    public static QuantFormat of(GgmlType type, String tensorName) {
        type.requireSupported(tensorName);
        return FORMATS.get(type);
    }

    /** The format of a supported type (IllegalArgumentException otherwise: a programming error). */
    public static QuantFormat of(GgmlType type) {
        QuantFormat f = FORMATS.get(type);
        if (f == null) throw new IllegalArgumentException(type + " is not supported");
        return f;
    }
}
