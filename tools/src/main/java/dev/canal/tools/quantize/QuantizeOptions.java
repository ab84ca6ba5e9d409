package dev.canal.tools.quantize;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How to quantize, apart from the format.
 *
 * @param method            rtn or awq
 * @param calibration       --calib FILE; empty for the built-in text
 * @param calibrationTokens tokens of calibration text run through the model (awq)
 * @param threads           CPU threads for calibration and the scale search
 * @param force             replace an existing non-empty output directory
 */
public record QuantizeOptions(QuantizeMethod method, Optional<Path> calibration, int calibrationTokens, int threads,
                              boolean force) {
}
