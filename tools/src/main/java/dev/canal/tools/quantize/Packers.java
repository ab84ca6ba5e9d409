package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.quant.awq.AwqPacker;
import dev.canal.engine.quant.fp8.Fp8Packer;
import dev.canal.engine.quant.gptq.GptqPacker;
import dev.canal.engine.quant.nvfp4.Nvfp4Packer;

import java.util.Locale;

/** The packer (writer side of a format) for the command line's --to and its options. */
public final class Packers {
    private static final int DEFAULT_GROUP_SIZE = 128;

    private Packers() {
    }

    /**
     * @param to         awq, gptq, fp8 or nvfp4
     * @param bits       gptq's 4 or 8 (null: 4); awq accepts only 4, the float formats none
     * @param groupSize  awq and gptq (null: 128); the float formats have fixed blocks
     * @param fp8Scaling channel, tensor or block (null: channel); fp8 only
     */
    public static LinearPacker create(String to, Integer bits, Integer groupSize, String fp8Scaling) {
        String format = to.toLowerCase(Locale.ROOT);
        if (fp8Scaling != null && !format.equals("fp8")) {
            throw new CanalException("--fp8-scaling applies to --to fp8 only");
        }
        try {
            return switch (format) {
                case "awq" -> {
                    if (bits != null && bits != 4) throw new CanalException("--bits " + bits + ": awq is 4-bit only");
                    yield new AwqPacker(groupSize(groupSize));
                }
                case "gptq" -> {
                    int b = bits == null ? 4 : bits;
                    if (b != 4 && b != 8) throw new CanalException("--bits " + b + " is not 4 or 8");
                    yield new GptqPacker(b, groupSize(groupSize), true);
                }
                case "fp8" -> {
                    noGroupOrBits(format, bits, groupSize);
                    yield new Fp8Packer(scaling(fp8Scaling));
                }
                case "nvfp4" -> {
                    noGroupOrBits(format, bits, groupSize);
                    yield new Nvfp4Packer();
                }
                default -> throw new CanalException("--to " + to + " is not one of awq, gptq, fp8, nvfp4");
            };
        } catch (IllegalArgumentException e) {
            // The packer's own check of its parameters (e.g. a non-positive group size).
            throw new CanalException("--to " + format + ": " + e.getMessage());
        }
    }

    private static int groupSize(Integer groupSize) {
        return groupSize == null ? DEFAULT_GROUP_SIZE : groupSize;
    }

    private static void noGroupOrBits(String format, Integer bits, Integer groupSize) {
        if (groupSize != null) {
            throw new CanalException("--group-size applies to awq and gptq; " + format + " has fixed blocks");
        }
        if (bits != null) throw new CanalException("--bits applies to gptq (and awq's 4); " + format + " is fixed");
    }

    private static Fp8Packer.Scaling scaling(String s) {
        if (s == null) return Fp8Packer.Scaling.PER_CHANNEL;
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "channel" -> Fp8Packer.Scaling.PER_CHANNEL;
            case "tensor" -> Fp8Packer.Scaling.PER_TENSOR;
            case "block" -> Fp8Packer.Scaling.BLOCK_128;
            default -> throw new CanalException("--fp8-scaling " + s + " is not one of channel, tensor, block");
        };
    }
}
