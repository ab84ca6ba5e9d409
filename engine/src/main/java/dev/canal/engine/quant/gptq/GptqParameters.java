package dev.canal.engine.quant.gptq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;

import java.util.Iterator;
import java.util.Locale;

/**
 * The fields of a GPTQ quantization config canal needs, checked: bits 4 or 8, a group size (−1 = the whole input
 * row), whether qzeros hold zero − 1 (checkpoint format "gptq", AutoGPTQ's v1) or the zero itself ("gptq_v2").
 * desc_act and sym change nothing at load time: g_idx and qzeros say what they did.
 *
 * @param bits       bits per weight
 * @param groupSize  inputs per group, −1 for one group per row
 * @param zeroMinusOne whether stored zeros are zero − 1 (v1)
 */
record GptqParameters(int bits, int groupSize, boolean zeroMinusOne) {

    static GptqParameters of(QuantizationConfig config) {
        int bits = config.intField("bits", -1);
        if (bits == 2 || bits == 3) {
            throw new CanalException(config.source() + ": GPTQ \"bits\": " + bits + " is not supported (canal reads 4 "
                    + "and 8; " + (bits == 3 ? "3-bit packs values across int32 boundaries" : "2-bit has no kernel")
                    + ")");
        }
        if (bits != 4 && bits != 8) {
            throw new CanalException(config.source() + ": GPTQ \"bits\" is " + (bits == -1 ? "missing" : bits)
                    + ", expected 4 or 8");
        }
        int groupSize = config.intField("group_size", -1);
        if (groupSize != -1 && groupSize <= 0) {
            throw new CanalException(config.source() + ": GPTQ \"group_size\" is " + groupSize
                    + ", expected a positive size or -1");
        }
        if (config.booleanField("is_marlin_format", false)) {
            throw new CanalException(config.source() + ": \"is_marlin_format\": true (Marlin-repacked GPTQ) is not "
                    + "supported; canal reads the \"gptq\" and \"gptq_v2\" checkpoint formats");
        }
        String format = config.textField("checkpoint_format", config.textField("format", "gptq"))
                .toLowerCase(Locale.ROOT);
        boolean v1 = switch (format) {
            case "gptq" -> true;
            case "gptq_v2" -> false;
            default -> throw new CanalException(config.source() + ": GPTQ checkpoint format \"" + format
                    + "\" is not supported (canal reads \"gptq\" and \"gptq_v2\")");
        };
        String packDtype = config.textField("pack_dtype", "int32").toLowerCase(Locale.ROOT);
        if (!packDtype.equals("int32") && !packDtype.equals("torch.int32")) {
            throw new CanalException(config.source() + ": GPTQ \"pack_dtype\" \"" + packDtype
                    + "\" is not supported (canal reads int32 packing)");
        }
        checkDynamic(config);
        return new GptqParameters(bits, groupSize, v1);
    }

    /** Values per int32. */
    int perWord() {
        return GptqPacking.perWord(bits);
    }

    String describe() {
        return "GPTQ int" + bits + " " + (groupSize == -1 ? "per-channel" : "g" + groupSize);
    }

    /**
     * GPTQModel's per-module overrides: "-:regex" rules leave modules in float (they simply have no qweight), which
     * canal follows; positive rules change bits or group size per module, which it does not read.
     */
    private static void checkDynamic(QuantizationConfig config) {
        JsonNode dynamic = config.node().get("dynamic");
        if (dynamic == null || dynamic.isNull()) return;
        if (!dynamic.isObject()) {
            throw new CanalException(config.source() + ": GPTQ \"dynamic\" is " + dynamic.getNodeType()
                    + ", expected an object of module rules");
        }
        for (Iterator<String> it = dynamic.fieldNames(); it.hasNext(); ) {
            String rule = it.next();
            if (!rule.startsWith(GptqFormat.SKIP_RULE)) {
                throw new CanalException(config.source() + ": GPTQ \"dynamic\" rule \"" + rule + "\" overrides "
                        + "quantization per module, which canal does not support (only \"-:\" rules that leave "
                        + "modules unquantized)");
            }
        }
    }
}
