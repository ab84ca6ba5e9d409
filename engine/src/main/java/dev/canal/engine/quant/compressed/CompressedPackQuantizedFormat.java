package dev.canal.engine.quant.compressed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedLinearFormat;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * compressed-tensors checkpoints (llm-compressor, the successor of AutoAWQ and AutoGPTQ) in the "pack-quantized"
 * format: W4A16 / W8A16 integer weights. Each {@code <prefix>.weight_packed} (I32 [out, ⌈in / pack⌉], packed along
 * the input, values stored as unsigned q + 2^(bits−1)) with {@code weight_scale} ([out, groups]),
 * {@code weight_shape} and, when asymmetric, {@code weight_zero_point} (I32 [⌈out / pack⌉, groups], packed along
 * the output) and, with act-order "group", {@code weight_g_idx} (I32 [in]) becomes one
 * {@link PackQuantizedMatrix}. The other compressed-tensors formats (float-quantized, nvfp4-pack-quantized, …) are
 * other formats' business: {@link #reads} says no to them.
 */
public final class CompressedPackQuantizedFormat implements QuantizedLinearFormat {
    static final String PACK_QUANTIZED = "pack-quantized";
    private static final String MIXED = "mixed-precision";
    private static final String PACKED = ".weight_packed";

    @Override
    public String name() {
        return "compressed-tensors pack-quantized";
    }

    @Override
    public boolean reads(QuantizationConfig config) {
        if (!config.method().equals("compressed-tensors")) return false;
        String format = config.node().path("format").asText("");
        if (format.equals(PACK_QUANTIZED)) return true;
        // A mixed-precision checkpoint names a format per config group: claimed when any of them is ours, so that
        // the unsupported mix is refused with the formats named rather than read half.
        return format.equals(MIXED) && groupFormats(config).contains(PACK_QUANTIZED);
    }

    @Override
    public Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config) {
        TreeSet<String> formats = groupFormats(config);
        formats.remove(PACK_QUANTIZED);
        if (!formats.isEmpty()) {
            throw new CanalException(config.source() + ": config groups mix pack-quantized with " + formats
                    + "; canal reads a compressed-tensors checkpoint in one format only");
        }
        List<PackQuantizedScheme> schemes = schemes(config);
        List<String> ignore = new ArrayList<>();
        for (JsonNode e : config.node().path("ignore")) ignore.add(e.asText());

        Map<String, PackedMatrix> layers = new LinkedHashMap<>();
        for (String name : store.names()) {
            if (!name.endsWith(PACKED)) continue;
            String prefix = name.substring(0, name.length() - PACKED.length());
            for (String target : ignore) {
                if (PackQuantizedScheme.matchOne(target, prefix) >= 2) {
                    throw new CanalException("tensor " + name + ": the layer is stored packed but " + config.source()
                            + " lists it in \"ignore\" (\"" + target + "\")");
                }
            }
            layers.put(prefix, layer(store, prefix, scheme(schemes, prefix, config)));
        }
        if (layers.isEmpty()) {
            throw new CanalException(store.source() + ": " + config.source() + " says pack-quantized but no tensor "
                    + "ends in \"" + PACKED + "\" (quantization_status \""
                    + config.node().path("quantization_status").asText("") + "\"; canal reads compressed checkpoints)");
        }
        return layers;
    }

    private static PackQuantizedMatrix layer(WeightStore store, String prefix, PackQuantizedScheme s) {
        int pack = s.perWord();
        Tensor packed = store.tensor(prefix + PACKED);
        if (packed.dtype() != DType.I32 || packed.rank() != 2) {
            throw new CanalException("tensor " + packed.name() + ": " + packed.dtype() + packed.shapeString()
                    + ", expected I32 [out, in * " + s.bits() + " / 32]");
        }
        Tensor shape = part(store, prefix, "weight_shape");
        long[] outIn = weightShape(shape);
        long out = outIn[0];
        long in = outIn[1];
        if (out <= 0 || in <= 0 || out > Integer.MAX_VALUE - 64 || in > Integer.MAX_VALUE - 64) {
            throw new CanalException("tensor " + shape.name() + ": [" + out + ", " + in + "] is not a usable shape");
        }
        long words = (in + pack - 1) / pack;
        if (packed.dim(0) != out || packed.dim(1) != words) {
            throw new CanalException("tensor " + packed.name() + ": shape " + packed.shapeString() + ", expected ["
                    + out + ", " + words + "] for weight_shape [" + out + ", " + in + "] at " + s.bits() + " bits");
        }
        int group = s.groupSize() == -1 ? (int) in : s.groupSize();
        if (in % group != 0) {
            throw new CanalException("tensor " + packed.name() + ": " + in + " input features are not a multiple of "
                    + "group_size " + group + " (config group " + s.name() + ")");
        }
        if (group % pack != 0 && group != in) {
            throw new CanalException("tensor " + packed.name() + ": group_size " + group + " is not a multiple of "
                    + pack + " values per int32, so words would span two groups");
        }
        long groups = in / group;
        Tensor scale = part(store, prefix, "weight_scale");
        if (scale.dtype() != DType.F16 && scale.dtype() != DType.BF16 && scale.dtype() != DType.F32) {
            throw new CanalException("tensor " + scale.name() + ": dtype " + scale.dtype()
                    + ", expected F16, BF16 or F32 scales");
        }
        checkShape(scale, out, groups);
        Tensor zero = null;
        if (!s.symmetric()) {
            zero = part(store, prefix, "weight_zero_point");
            if (zero.dtype() != DType.I32) {
                throw new CanalException("tensor " + zero.name() + ": dtype " + zero.dtype()
                        + ", expected I32 (zero points packed " + pack + " per int32 along the output)");
            }
            checkShape(zero, (out + pack - 1) / pack, groups);
        }
        Tensor gIdx = store.find(prefix + ".weight_g_idx").orElse(null);
        int[] inputGroup = gIdx == null ? null : inputGroups(gIdx, (int) in, groups);
        return new PackQuantizedMatrix(s, (int) out, (int) in, (int) groups, packed, scale, zero, shape, gIdx,
                inputGroup);
    }

    /**
     * weight_g_idx (act-order "group"): the group of each input feature, or null when it holds compressed-tensors'
     * "not initialized" −1, which means column order.
     */
    private static int[] inputGroups(Tensor g, int in, long groups) {
        if ((g.dtype() != DType.I32 && g.dtype() != DType.I64) || g.rank() != 1 || g.dim(0) != in) {
            throw new CanalException("tensor " + g.name() + ": " + g.dtype() + g.shapeString() + ", expected I32 ["
                    + in + "] (the group of each input feature)");
        }
        int[] groupOf = new int[in];
        for (int i = 0; i < in; i++) {
            long v = g.dtype() == DType.I32
                    ? g.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i)
                    : g.data().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i);
            if (v == -1) return null;
            if (v < 0 || v >= groups) {
                throw new CanalException("tensor " + g.name() + ": entry " + i + " is " + v + ", outside [0, "
                        + groups + ")");
            }
            groupOf[i] = (int) v;
        }
        return groupOf;

    }

    private static long[] weightShape(Tensor t) {
        if (t.rank() != 1 || t.dim(0) != 2 || (t.dtype() != DType.I64 && t.dtype() != DType.I32)) {
            throw new CanalException("tensor " + t.name() + ": " + t.dtype() + t.shapeString()
                    + ", expected I64 or I32 [2] (out, in)");
        }
        if (t.dtype() == DType.I32) {
            ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            return new long[] {t.data().getAtIndex(i32, 0), t.data().getAtIndex(i32, 1)};
        }
        ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        return new long[] {t.data().getAtIndex(i64, 0), t.data().getAtIndex(i64, 1)};
    }

    private static Tensor part(WeightStore store, String prefix, String part) {
        Optional<Tensor> t = store.find(prefix + "." + part);
        return t.orElseThrow(() -> new CanalException(store.source() + ": layer " + prefix + " has " + prefix
                + PACKED + " but no tensor \"" + prefix + "." + part + "\""));
    }

    private static void checkShape(Tensor t, long rows, long cols) {
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new CanalException("tensor " + t.name() + ": shape " + t.shapeString() + ", expected [" + rows
                    + ", " + cols + "]");
        }
    }

    /** The config group that applies to {@code module}: the most specific match, as compressed-tensors picks. */
    private static PackQuantizedScheme scheme(List<PackQuantizedScheme> schemes, String module,
                                              QuantizationConfig config) {
        PackQuantizedScheme best = null;
        int bestMatch = 0;
        for (PackQuantizedScheme s : schemes) {
            int m = s.match(module);
            if (m > bestMatch) {
                best = s;
                bestMatch = m;
            }
        }
        if (best == null) {
            throw new CanalException("tensor " + module + PACKED + ": no config group of " + config.source()
                    + " targets module " + module);
        }
        return best;
    }

    private static List<PackQuantizedScheme> schemes(QuantizationConfig config) {
        JsonNode groups = config.node().path("config_groups");
        if (!groups.isObject() || groups.isEmpty()) {
            throw new CanalException(config.source() + ": no \"config_groups\" (compressed-tensors' quantization "
                    + "schemes)");
        }
        List<PackQuantizedScheme> schemes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = groups.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            schemes.add(PackQuantizedScheme.of(config.source(), e.getKey(), e.getValue()));
        }
        return schemes;
    }

    /** The formats named by the config groups (each group's "format", else the top-level one). */
    private static TreeSet<String> groupFormats(QuantizationConfig config) {
        String top = config.node().path("format").asText("");
        TreeSet<String> formats = new TreeSet<>();
        for (JsonNode group : config.node().path("config_groups")) {
            String f = group.path("format").asText("");
            formats.add(f.isEmpty() ? top : f);
        }
        formats.remove(MIXED);
        if (formats.isEmpty()) formats.add(top);
        return formats;
    }
}
