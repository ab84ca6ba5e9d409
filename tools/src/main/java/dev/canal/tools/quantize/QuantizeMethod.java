package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;

import java.util.Locale;

/** How weights are rounded before packing. */
public enum QuantizeMethod {
    /** Round-to-nearest: each layer packed as it is. */
    RTN,
    /** Activation-aware scaling (AWQ) chosen on calibration text, then round-to-nearest. */
    AWQ;

    public static QuantizeMethod parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "rtn" -> RTN;
            case "awq" -> AWQ;
            default -> throw new CanalException("--method " + s + " is not one of rtn, awq");
        };
    }
}
