package dev.canal.engine.quant.gptq;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedLinearFormat;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * GPTQ checkpoints (AutoGPTQ, GPTQModel, transformers' GPTQConfig): every {@code <prefix>.qweight} with its
 * {@code qzeros}, {@code scales} and optional {@code g_idx} becomes one {@link GptqMatrix}. Config from
 * config.json's quantization_config (quant_method "gptq") or AutoGPTQ's quantize_config.json.
 */
public final class GptqFormat implements QuantizedLinearFormat {
    /** GPTQModel's prefix of a "dynamic" rule that leaves matching modules unquantized. */
    static final String SKIP_RULE = "-:";

    private static final String QWEIGHT = ".qweight";
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public String name() {
        return "gptq";
    }

    @Override
    public boolean reads(QuantizationConfig config) {
        return config.method().equals("gptq");
    }

    @Override
    public Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config) {
        GptqParameters p = GptqParameters.of(config);
        Map<String, PackedMatrix> layers = new LinkedHashMap<>();
        for (String name : store.names()) {
            if (!name.endsWith(QWEIGHT)) continue;
            String prefix = name.substring(0, name.length() - QWEIGHT.length());
            layers.put(prefix, layer(store, prefix, p));
        }
        if (layers.isEmpty()) {
            throw new CanalException(store.source() + ": " + config.source() + " says GPTQ but no tensor ends in "
                    + "\".qweight\"");
        }
        return layers;
    }

    private static GptqMatrix layer(WeightStore store, String prefix, GptqParameters p) {
        int pack = p.perWord();
        Tensor qweight = store.tensor(prefix + QWEIGHT);
        checkDtype(qweight, DType.I32);
        checkRank(qweight, 2, "[in * bits / 32, out]");
        long in = qweight.dim(0) * pack;
        long out = qweight.dim(1);
        if (in > Integer.MAX_VALUE - 64 || out > Integer.MAX_VALUE - 64 || in * out > Long.MAX_VALUE / 8) {
            throw new CanalException("tensor " + qweight.name() + ": shape " + qweight.shapeString() + " is too large");
        }
        if (out % pack != 0) {
            throw new CanalException("tensor " + qweight.name() + ": " + out + " output features are not a multiple "
                    + "of " + pack + ", which int" + p.bits() + " qzeros need");
        }
        int group = p.groupSize() == -1 ? (int) in : p.groupSize();
        if (in % group != 0) {
            throw new CanalException("tensor " + qweight.name() + ": " + in + " input features are not a multiple of "
                    + "group_size " + group);
        }
        long groups = in / group;

        Tensor scales = store.find(prefix + ".scales").orElseThrow(() -> missing(store, prefix, ".scales"));
        if (scales.dtype() != DType.F16 && scales.dtype() != DType.BF16) {
            throw new CanalException("tensor " + scales.name() + ": dtype " + scales.dtype()
                    + ", expected F16 or BF16 GPTQ scales");
        }
        checkShape(scales, groups, out);
        Tensor qzeros = store.find(prefix + ".qzeros").orElseThrow(() -> missing(store, prefix, ".qzeros"));
        checkDtype(qzeros, DType.I32);
        checkShape(qzeros, groups, out / pack);

        Optional<Tensor> gIdx = store.find(prefix + ".g_idx");
        int[] groupOf = new int[(int) in];
        if (gIdx.isPresent()) {
            Tensor g = gIdx.get();
            if (g.dtype() != DType.I32 && g.dtype() != DType.I64) {
                throw new CanalException("tensor " + g.name() + ": dtype " + g.dtype() + ", expected I32 or I64");
            }
            checkRank(g, 1, "[" + in + "]");
            if (g.dim(0) != in) {
                throw new CanalException("tensor " + g.name() + ": shape " + g.shapeString() + ", expected [" + in
                        + "] (one group index per input feature of " + qweight.name() + ")");
            }
            for (int i = 0; i < in; i++) {
                long v = g.dtype() == DType.I32 ? g.data().getAtIndex(GptqPacking.I32_LE, i)
                        : g.data().getAtIndex(I64_LE, i);
                if (v < 0 || v >= groups) {
                    throw new CanalException("tensor " + g.name() + ": entry " + i + " is " + v + ", outside [0, "
                            + groups + ") (the groups of " + scales.name() + ")");
                }
                groupOf[i] = (int) v;
            }
        } else {
            // Old AutoGPTQ files without act-order omit g_idx: input i is in group i / group_size.
            for (int i = 0; i < in; i++) groupOf[i] = i / group;
        }
        return new GptqMatrix(p, (int) out, (int) in, (int) groups, groupOf, qweight, qzeros, scales,
                gIdx.orElse(null));
    }

    private static CanalException missing(WeightStore store, String prefix, String suffix) {
        return new CanalException(store.source() + ": GPTQ layer " + prefix + " has " + prefix + QWEIGHT
                + " but no tensor \"" + prefix + suffix + "\"");
    }

    private static void checkDtype(Tensor t, DType expected) {
        if (t.dtype() != expected) {
            throw new CanalException("tensor " + t.name() + ": dtype " + t.dtype() + ", expected " + expected);
        }
    }

    private static void checkRank(Tensor t, int rank, String expected) {
        if (t.rank() != rank) {
            throw new CanalException("tensor " + t.name() + ": shape " + t.shapeString() + ", expected " + expected);
        }
    }

    private static void checkShape(Tensor t, long rows, long cols) {
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new CanalException("tensor " + t.name() + ": shape " + t.shapeString() + ", expected [" + rows
                    + ", " + cols + "]");
        }
    }
}
