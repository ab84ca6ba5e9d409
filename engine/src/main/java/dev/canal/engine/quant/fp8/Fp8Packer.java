package dev.canal.engine.quant.fp8;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Writes FP8 E4M3 weights in compressed-tensors' "float-quantized" layout, the one llm-compressor produces and
 * vLLM loads for all three scalings: {@code <layer>.weight} F8_E4M3 [out, in] and {@code <layer>.weight_scale} F32
 * of shape [1] (per tensor), [out, 1] (per channel) or [ceil(out/128), ceil(in/128)] (128 × 128 blocks). The
 * config declares dynamic activation quantization (per token, or per group of 128 for blocks: the FP8_DYNAMIC
 * and FP8_BLOCK presets), so no activation scales need calibrating or storing.
 *
 * <p>Quantization is round-to-nearest as compressed-tensors does it: scale = amax / 448 over the scaled region,
 * q = e4m3(w / scale) rounded to nearest even and saturated at ±448. An all-zero region gets scale 1.
 */
public final class Fp8Packer implements LinearPacker {

    /** The region one scale covers. */
    public enum Scaling {
        PER_TENSOR, PER_CHANNEL, BLOCK_128
    }

    private static final int BLOCK = 128;

    private final Scaling scaling;

    public Fp8Packer(Scaling scaling) {
        this.scaling = scaling;
    }

    @Override
    public String name() {
        return switch (scaling) {
            case PER_TENSOR -> "fp8 e4m3 per-tensor";
            case PER_CHANNEL -> "fp8 e4m3 per-channel";
            case BLOCK_128 -> "fp8 e4m3 block 128x128";
        };
    }

    @Override
    public Optional<String> unsupported(String tensor, int out, int in) {
        return Optional.empty(); // every shape can be stored: partial blocks at the edges are allowed
    }

    /** The scale grid: [rows, cols] of scales and the block each covers. */
    private record Grid(int rows, int cols, int blockRows, int blockCols) {
    }

    private Grid grid(int out, int in) {
        return switch (scaling) {
            case PER_TENSOR -> new Grid(1, 1, out, in);
            case PER_CHANNEL -> new Grid(out, 1, 1, in);
            case BLOCK_128 -> new Grid((out + BLOCK - 1) / BLOCK, (in + BLOCK - 1) / BLOCK, BLOCK, BLOCK);
        };
    }

    /** One float scale per grid cell: amax / 448 of the cell (1 for an all-zero cell). */
    private static float[] scales(float[] w, int out, int in, Grid g) {
        float[] amax = new float[g.rows() * g.cols()];
        for (int o = 0; o < out; o++) {
            int rowBase = (o / g.blockRows()) * g.cols();
            for (int i = 0; i < in; i++) {
                int cell = rowBase + i / g.blockCols();
                amax[cell] = Math.max(amax[cell], Math.abs(w[o * in + i]));
            }
        }
        for (int c = 0; c < amax.length; c++) amax[c] = amax[c] > 0 ? amax[c] / E4m3.MAX : 1f;
        return amax;
    }

    private static byte[] codes(float[] w, int out, int in, Grid g, float[] scales) {
        byte[] q = new byte[out * in];
        for (int o = 0; o < out; o++) {
            int rowBase = (o / g.blockRows()) * g.cols();
            for (int i = 0; i < in; i++) {
                q[o * in + i] = E4m3.encode(w[o * in + i] / scales[rowBase + i / g.blockCols()]);
            }
        }
        return q;
    }

    @Override
    public List<TensorData> pack(String prefix, float[] w, int out, int in) {
        Grid g = grid(out, in);
        float[] scales = scales(w, out, in, g);
        byte[] q = codes(w, out, in, g, scales);
        long[] scaleShape = switch (scaling) {
            case PER_TENSOR -> new long[] {1};
            case PER_CHANNEL -> new long[] {out, 1};
            case BLOCK_128 -> new long[] {g.rows(), g.cols()};
        };
        return List.of(
                TensorData.of(prefix + ".weight", DType.F8_E4M3, new long[] {out, in}, MemorySegment.ofArray(q)),
                TensorData.f32(prefix + ".weight_scale", scaleShape, scales));
    }

    @Override
    public float[] roundTrip(float[] w, int out, int in) {
        Grid g = grid(out, in);
        float[] scales = scales(w, out, in, g);
        byte[] q = codes(w, out, in, g, scales);
        float[] r = new float[out * in];
        for (int o = 0; o < out; o++) {
            int rowBase = (o / g.blockRows()) * g.cols();
            for (int i = 0; i < in; i++) {
                r[o * in + i] = E4m3.decode(q[o * in + i]) * scales[rowBase + i / g.blockCols()];
            }
        }
        return r;
    }

    @Override
    public ObjectNode quantizationConfig(List<String> notConverted) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode weights = json.objectNode();
        weights.put("num_bits", 8).put("type", "float").put("symmetric", true).put("dynamic", false);
        weights.putNull("group_size");
        weights.put("strategy", switch (scaling) {
            case PER_TENSOR -> "tensor";
            case PER_CHANNEL -> "channel";
            case BLOCK_128 -> "block";
        });
        if (scaling == Scaling.BLOCK_128) weights.putArray("block_structure").add(BLOCK).add(BLOCK);
        weights.putNull("actorder").putNull("observer");
        ObjectNode inputs = json.objectNode();
        inputs.put("num_bits", 8).put("type", "float").put("symmetric", true).put("dynamic", true);
        if (scaling == Scaling.BLOCK_128) {
            inputs.put("strategy", "group").put("group_size", BLOCK);
        } else {
            inputs.put("strategy", "token").putNull("group_size");
        }
        inputs.putNull("observer");

        ObjectNode config = json.objectNode();
        config.put("quant_method", CompressedTensors.METHOD);
        config.put("format", "float-quantized");
        config.put("quantization_status", "compressed");
        ObjectNode group = config.putObject("config_groups").putObject("group_0");
        group.putArray("targets").add("Linear");
        group.set("weights", weights);
        group.set("input_activations", inputs);
        group.putNull("output_activations");
        group.put("format", "float-quantized");
        var ignore = config.putArray("ignore");
        notConverted.forEach(ignore::add);
        config.putNull("kv_cache_scheme");
        return config;
    }
}
