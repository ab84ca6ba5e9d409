package dev.canal.engine.quant.fp8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedLinearFormat;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * FP8 E4M3 weights with float scales, as two producers store them:
 * <ul>
 *   <li>quant_method "fp8" (DeepSeek-V3, Qwen3-FP8, transformers' FineGrainedFP8): with {@code weight_block_size}
 *       [bn, bk], {@code <layer>.weight_scale_inv} F32 [ceil(out/bn), ceil(in/bk)], which despite its name
 *       multiplies (W = fp8 · scale_inv, as transformers' and vLLM's kernels apply it); without it, a per-tensor
 *       {@code <layer>.weight_scale}. Layers in {@code ignored_layers} / {@code modules_to_not_convert} stay
 *       float.</li>
 *   <li>compressed-tensors "float-quantized" (llm-compressor's FP8, FP8_DYNAMIC, FP8_BLOCK schemes): weights
 *       {@code type: float, num_bits: 8} with strategy tensor ({@code weight_scale} [] or [1]), channel
 *       ([out, 1]), block ([ceil(out/bn), ceil(in/bk)] for {@code block_structure} [bn, bk]) or group
 *       ([out, in/group_size]); scales F32, BF16 or F16. Layers in {@code ignore} stay float.</li>
 * </ul>
 * Activation scales ({@code input_scale}, activation_scheme static or dynamic) are not used: canal multiplies
 * float activations with the dequantized weights. The E4M3 NaN codes decode to NaN (see {@link E4m3}).
 */
public final class Fp8Format implements QuantizedLinearFormat {

    /** How one declared weight scheme lays out its scales. */
    private record Scheme(String name, String scaleSuffix, Kind kind, int blockRows, int blockCols) {
        long[] expectedShape(long out, long in) {
            return switch (kind) {
                case TENSOR -> new long[] {1};
                case CHANNEL -> new long[] {out, 1};
                case BLOCK -> new long[] {ceil(out, blockRows), ceil(in, blockCols)};
            };
        }

        boolean fits(long[] shape, long out, long in) {
            if (kind == Kind.TENSOR) return Arrays.stream(shape).reduce(1, (a, b) -> a * b) == 1 && shape.length <= 1;
            if (kind == Kind.CHANNEL && shape.length == 1) return shape[0] == out;
            return Arrays.equals(shape, expectedShape(out, in));
        }
    }

    private enum Kind { TENSOR, CHANNEL, BLOCK }

    @Override
    public String name() {
        return "fp8 (quant_method fp8, compressed-tensors float-quantized)";
    }

    @Override
    public boolean reads(QuantizationConfig config) {
        return config.method().equals("fp8")
                || (config.method().equals(CompressedTensors.METHOD)
                    && CompressedTensors.format(config).equals("float-quantized"));
    }

    @Override
    public Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config) {
        List<Scheme> schemes;
        Predicate<String> ignored;
        if (config.method().equals("fp8")) {
            schemes = List.of(fp8Scheme(config));
            ignored = ModulePatterns.exact(ModulePatterns.strings(config, "ignored_layers", "modules_to_not_convert"));
        } else {
            schemes = compressedTensorsSchemes(config);
            ignored = ModulePatterns.compressedTensors(ModulePatterns.strings(config, "ignore"), config.source());
        }
        Set<String> suffixes = schemes.stream().map(Scheme::scaleSuffix).collect(Collectors.toSet());
        Map<String, PackedMatrix> layers = new LinkedHashMap<>();
        for (String name : store.names()) {
            for (String suffix : suffixes) {
                if (!name.endsWith(suffix)) continue;
                String prefix = name.substring(0, name.length() - suffix.length());
                if (ignored.test(prefix) || store.find(prefix + ".weight").isEmpty()) continue;
                layers.put(prefix, open(store, prefix, suffix, schemes));
            }
        }
        for (String name : store.names()) {
            if (!name.endsWith(".weight")) continue;
            String prefix = name.substring(0, name.length() - ".weight".length());
            DType dtype = store.tensor(name).dtype();
            if ((dtype == DType.F8_E4M3 || dtype == DType.F8_E5M2) && !layers.containsKey(prefix)) {
                throw new CanalException(store.source() + ": tensor \"" + name + "\" is " + dtype + " but has no "
                        + String.join(" or ", suffixes.stream().map(s -> "\"" + prefix + s + "\"").toList())
                        + " to scale it" + (ignored.test(prefix) ? " (the module is in the ignore list)" : ""));
            }
        }
        return layers;
    }

    private static Fp8Matrix open(WeightStore store, String prefix, String suffix, List<Scheme> schemes) {
        Tensor weight = store.tensor(prefix + ".weight");
        if (weight.dtype() != DType.F8_E4M3 || weight.rank() != 2) {
            throw new CanalException(store.source() + ": tensor \"" + weight.name() + "\" is " + weight.dtype()
                    + weight.shapeString() + ", expected F8_E4M3 [out, in] (float8_e4m3fn"
                    + (weight.dtype() == DType.F8_E5M2 ? "; E5M2 weights are not supported" : "") + ")");
        }
        long out = weight.dim(0);
        long in = weight.dim(1);
        Tensor scale = store.tensor(prefix + suffix);
        Scheme scheme = null;
        for (Scheme s : schemes) {
            if (s.scaleSuffix().equals(suffix) && s.fits(scale.shape(), out, in)) {
                scheme = s;
                break;
            }
        }
        if (scheme == null) {
            String expected = schemes.stream().filter(s -> s.scaleSuffix().equals(suffix))
                    .map(s -> Arrays.toString(s.expectedShape(out, in)) + " (" + s.name() + ")")
                    .collect(Collectors.joining(" or "));
            throw new CanalException(store.source() + ": tensor \"" + scale.name() + "\" has shape "
                    + scale.shapeString() + ", expected " + expected + " for weight " + weight.shapeString());
        }
        if (!scale.dtype().isDenseFloat()) {
            throw new CanalException(store.source() + ": tensor \"" + scale.name() + "\" is " + scale.dtype()
                    + ", expected F32, BF16 or F16 scales");
        }
        float[] scales = Floats.toArray(scale);
        int blockRows = switch (scheme.kind()) {
            case TENSOR -> Math.toIntExact(out);
            case CHANNEL -> 1;
            case BLOCK -> scheme.blockRows();
        };
        int blockCols = scheme.kind() == Kind.BLOCK ? scheme.blockCols() : Math.toIntExact(in);
        List<Tensor> parts = new ArrayList<>(List.of(weight, scale));
        // Activation scales are not used (activations stay float) but belong to the layer: hide them with it.
        store.find(prefix + ".input_scale").ifPresent(parts::add);
        return new Fp8Matrix("FP8 E4M3 " + scheme.name(), weight, scales, blockRows, blockCols, parts);
    }

    private static Scheme fp8Scheme(QuantizationConfig config) {
        String fmt = config.textField("fmt", "e4m3");
        if (!fmt.equalsIgnoreCase("e4m3")) {
            throw new CanalException(config.source() + ": \"fmt\" is \"" + fmt + "\"; canal reads FP8 weights in "
                    + "e4m3 only");
        }
        JsonNode block = config.node().get("weight_block_size");
        if (block == null || block.isNull()) return new Scheme("per-tensor", ".weight_scale", Kind.TENSOR, 0, 0);
        if (!block.isArray() || block.size() != 2 || !block.get(0).canConvertToInt() || !block.get(1).canConvertToInt()
                || block.get(0).asInt() <= 0 || block.get(1).asInt() <= 0) {
            throw new CanalException(config.source() + ": \"weight_block_size\" is " + block
                    + ", expected two positive integers [block_out, block_in]");
        }
        return blockScheme(block.get(0).asInt(), block.get(1).asInt(), ".weight_scale_inv",
                config.source() + " weight_block_size");
    }

    private static List<Scheme> compressedTensorsSchemes(QuantizationConfig config) {
        List<Scheme> schemes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> group : CompressedTensors.weightArgs(config)) {
            String where = config.source() + " " + group.getKey();
            JsonNode args = group.getValue();
            String type = args.path("type").asText("");
            int bits = CompressedTensors.intArg(args, "num_bits", 0, where);
            if (!type.equals("float") || bits != 8) {
                throw new CanalException(where + ": type \"" + type + "\" num_bits " + bits + " is not FP8 (the "
                        + "float-quantized format holds type \"float\", num_bits 8 weights)");
            }
            if (!args.path("symmetric").asBoolean(true)) {
                throw new CanalException(where + ": asymmetric FP8 weights (symmetric false) are not supported");
            }
            String strategy = args.path("strategy").asText("tensor");
            switch (strategy) {
                case "tensor" -> schemes.add(new Scheme("per-tensor", ".weight_scale", Kind.TENSOR, 0, 0));
                case "channel" -> schemes.add(new Scheme("per-channel", ".weight_scale", Kind.CHANNEL, 0, 0));
                case "block" -> {
                    JsonNode b = args.path("block_structure");
                    if (!b.isArray() || b.size() != 2 || b.get(0).asInt() <= 0 || b.get(1).asInt() <= 0) {
                        throw new CanalException(where + ": \"block_structure\" is " + b
                                + ", expected [block_out, block_in]");
                    }
                    schemes.add(blockScheme(b.get(0).asInt(), b.get(1).asInt(), ".weight_scale", where));
                }
                case "group" -> {
                    int size = CompressedTensors.intArg(args, "group_size", 0, where);
                    if (size <= 0) throw new CanalException(where + ": strategy group needs a positive group_size");
                    Scheme s = blockScheme(1, size, ".weight_scale", where);
                    schemes.add(new Scheme("group " + size, s.scaleSuffix(), Kind.BLOCK, 1, size));
                }
                default -> throw new CanalException(where + ": strategy \"" + strategy + "\" is not supported for "
                        + "FP8 weights (expected tensor, channel, block or group)");
            }
        }
        return schemes;
    }

    private static Scheme blockScheme(int rows, int cols, String suffix, String where) {
        if (cols % 16 != 0) {
            throw new CanalException(where + ": blocks of " + cols + " input columns are not supported (canal "
                    + "needs a multiple of 16)");
        }
        return new Scheme("block " + rows + "x" + cols, suffix, Kind.BLOCK, rows, cols);
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }
}
