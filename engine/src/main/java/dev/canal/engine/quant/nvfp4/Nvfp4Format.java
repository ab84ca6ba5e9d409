package dev.canal.engine.quant.nvfp4;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedLinearFormat;
import dev.canal.engine.quant.fp8.CompressedTensors;
import dev.canal.engine.quant.fp8.ModulePatterns;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * NVFP4 weights (E2M1 values, an E4M3 scale per 16 input features, one F32 scale per tensor), as two producers
 * store them:
 * <ul>
 *   <li>NVIDIA ModelOpt, quant_method "modelopt" (config.json's quantization_config, or hf_quant_config.json's
 *       "quantization") with quant_algo "NVFP4" or "W4A16_NVFP4", group_size 16: {@code <layer>.weight} U8
 *       [out, in/2], {@code weight_scale} F8_E4M3 [out, in/16], {@code weight_scale_2} F32 scalar;
 *       W = e2m1 · weight_scale · weight_scale_2. {@code exclude_modules} / {@code ignore} (wildcards) stay float.
 *       Other quant_algo values (FP8, W4A8_AWQ, …) are refused by name.</li>
 *   <li>compressed-tensors "nvfp4-pack-quantized": {@code weight_packed} U8 [out, in/2], {@code weight_scale}
 *       F8_E4M3 [out, in/16], {@code weight_global_scale} F32, the reciprocal of ModelOpt's:
 *       W = e2m1 · weight_scale / weight_global_scale (compressed-tensors' dequantize divides).</li>
 * </ul>
 * {@code input_scale} / {@code input_global_scale} (W4A4 activation scales) are not used: activations stay float.
 */
public final class Nvfp4Format implements QuantizedLinearFormat {
    private static final String FORMAT_NAME = "NVFP4 (E2M1, E4M3 scale per 16)";
    private static final Set<String> ALGOS = Set.of("NVFP4", "W4A16_NVFP4");

    @Override
    public String name() {
        return "nvfp4 (modelopt NVFP4, compressed-tensors nvfp4-pack-quantized)";
    }

    @Override
    public boolean reads(QuantizationConfig config) {
        // Every ModelOpt config comes here, so that its other algorithms are refused by name.
        return config.method().startsWith("modelopt")
                || (config.method().equals(CompressedTensors.METHOD)
                    && CompressedTensors.format(config).equals("nvfp4-pack-quantized"));
    }

    @Override
    public Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config) {
        boolean modelopt = config.method().startsWith("modelopt");
        Predicate<String> ignored;
        String packedSuffix;
        String globalSuffix;
        if (modelopt) {
            String algo = config.textField("quant_algo", "").toUpperCase(Locale.ROOT);
            if (!ALGOS.contains(algo)) {
                throw new CanalException(config.source() + ": ModelOpt quant_algo \""
                        + config.textField("quant_algo", "")
                        + "\" is not supported (canal reads NVFP4 and W4A16_NVFP4; FP8, W4A8_AWQ, INT4_AWQ and "
                        + "others are not)");
            }
            int group = config.intField("group_size", Nvfp4Matrix.GROUP);
            if (group != Nvfp4Matrix.GROUP) {
                throw new CanalException(config.source() + ": group_size " + group + " is not supported (NVFP4 "
                        + "scales groups of " + Nvfp4Matrix.GROUP + ")");
            }
            ignored = ModulePatterns.wildcards(ModulePatterns.strings(config, "exclude_modules", "ignore"),
                    config.source());
            packedSuffix = ".weight";
            globalSuffix = ".weight_scale_2";
        } else {
            checkCompressedTensors(config);
            ignored = ModulePatterns.compressedTensors(ModulePatterns.strings(config, "ignore"), config.source());
            packedSuffix = ".weight_packed";
            globalSuffix = ".weight_global_scale";
        }
        // A layer is quantized when it has a block scale; ModelOpt's float layers have a weight and no scale.
        Map<String, PackedMatrix> layers = new LinkedHashMap<>();
        for (String name : store.names()) {
            if (!name.endsWith(".weight_scale")) continue;
            String prefix = name.substring(0, name.length() - ".weight_scale".length());
            if (ignored.test(prefix) || store.find(prefix + packedSuffix).isEmpty()) continue;
            layers.put(prefix, open(store, prefix, packedSuffix, globalSuffix, !modelopt));
        }
        return layers;
    }

    private static Nvfp4Matrix open(WeightStore store, String prefix, String packedSuffix, String globalSuffix,
                                    boolean divide) {
        String source = store.source();
        Tensor packed = store.tensor(prefix + packedSuffix);
        if (packed.dtype() != DType.U8 || packed.rank() != 2) {
            throw new CanalException(source + ": tensor \"" + packed.name() + "\" is " + packed.dtype()
                    + packed.shapeString() + ", expected U8 [out, in/2] (two E2M1 codes per byte)");
        }
        long out = packed.dim(0);
        long in = packed.dim(1) * 2;
        if (in % Nvfp4Matrix.GROUP != 0) {
            throw new CanalException(source + ": tensor \"" + packed.name() + "\" holds rows of " + in
                    + " elements, not a multiple of " + Nvfp4Matrix.GROUP + " (NVFP4 scales groups of 16)");
        }
        Tensor scales = store.tensor(prefix + ".weight_scale");
        long[] expected = {out, in / Nvfp4Matrix.GROUP};
        if (scales.dtype() != DType.F8_E4M3 || !Arrays.equals(scales.shape(), expected)) {
            throw new CanalException(source + ": tensor \"" + scales.name() + "\" is " + scales.dtype()
                    + scales.shapeString() + ", expected F8_E4M3 " + Arrays.toString(expected)
                    + " (one scale per 16 elements of " + packed.name() + ")");
        }
        Tensor global = store.tensor(prefix + globalSuffix);
        if (!global.dtype().isDenseFloat() || global.elementCount() != 1) {
            throw new CanalException(source + ": tensor \"" + global.name() + "\" is " + global.dtype()
                    + global.shapeString() + ", expected one F32 value");
        }
        float g = Floats.get(global, 0);
        if (!(g > 0) || Float.isInfinite(g)) {
            throw new CanalException(source + ": tensor \"" + global.name() + "\" is " + g
                    + ", expected a positive finite scale");
        }
        List<Tensor> parts = new ArrayList<>(List.of(packed, scales, global));
        // W4A4 activation scales are not used (activations stay float) but belong to the layer: hide them with it.
        for (String s : List.of(".input_scale", ".input_global_scale")) store.find(prefix + s).ifPresent(parts::add);
        return new Nvfp4Matrix(FORMAT_NAME, packed, scales, g, divide, parts);
    }

    private static void checkCompressedTensors(QuantizationConfig config) {
        for (Map.Entry<String, JsonNode> group : CompressedTensors.weightArgs(config)) {
            String where = config.source() + " " + group.getKey();
            JsonNode args = group.getValue();
            int bits = CompressedTensors.intArg(args, "num_bits", 0, where);
            int size = CompressedTensors.intArg(args, "group_size", Nvfp4Matrix.GROUP, where);
            if (!args.path("type").asText("").equals("float") || bits != 4 || size != Nvfp4Matrix.GROUP) {
                throw new CanalException(where + ": type \"" + args.path("type").asText("") + "\" num_bits " + bits
                        + " group_size " + size + " is not NVFP4 (expected type float, num_bits 4, group_size 16)");
            }
        }
    }
}
