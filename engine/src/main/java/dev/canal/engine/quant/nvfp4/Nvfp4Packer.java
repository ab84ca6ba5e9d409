package dev.canal.engine.quant.nvfp4;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.quant.fp8.E4m3;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Writes NVFP4 weights in NVIDIA ModelOpt's layout: {@code <layer>.weight} U8 [out, in/2] (element 2j in the low
 * nibble), {@code weight_scale} F8_E4M3 [out, in/16], {@code weight_scale_2} F32 scalar. Quantization follows
 * ModelOpt's NVFP4 recipe with round-to-nearest: weight_scale_2 = amax / (6 · 448) over the tensor, each block
 * scale = e4m3((block amax / 6) / weight_scale_2), each element = e2m1(w / (block scale · weight_scale_2)) rounded
 * to nearest even and saturated at ±6; a block whose scale is 0 stores zeros.
 *
 * <p>The config says quant_algo "W4A16_NVFP4": the weights are exactly ModelOpt's NVFP4 ones, but no activation
 * scales ({@code input_scale}) are calibrated or written, and vLLM loads W4A16_NVFP4 as weight-only while its
 * "NVFP4" (W4A4) path would quantize activations with a missing input_scale. canal reads both names.
 */
public final class Nvfp4Packer implements LinearPacker {
    private static final int GROUP = Nvfp4Matrix.GROUP;

    public Nvfp4Packer() {
    }

    @Override
    public String name() {
        return "nvfp4 (modelopt, e4m3 scales per 16)";
    }

    @Override
    public Optional<String> unsupported(String tensor, int out, int in) {
        if (in % GROUP == 0) return Optional.empty();
        return Optional.of("tensor " + tensor + ": " + in + " input features are not a multiple of " + GROUP
                + " (NVFP4 scales groups of " + GROUP + ")");
    }

    /** The quantized form of one matrix. */
    private record Quantized(byte[] packed, byte[] scales, float global) {
    }

    private static Quantized quantize(float[] w, int out, int in) {
        if (in % GROUP != 0) throw new IllegalArgumentException(in + " input features: not a multiple of " + GROUP);
        float amax = 0;
        for (float v : w) amax = Math.max(amax, Math.abs(v));
        float global = amax > 0 ? amax / (E2m1.MAX * E4m3.MAX) : 1f;
        byte[] packed = new byte[out * in / 2];
        byte[] scales = new byte[out * in / GROUP];
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < in / GROUP; g++) {
                int base = o * in + g * GROUP;
                float blockMax = 0;
                for (int i = 0; i < GROUP; i++) blockMax = Math.max(blockMax, Math.abs(w[base + i]));
                byte s = E4m3.encode(blockMax / E2m1.MAX / global);
                scales[o * (in / GROUP) + g] = s;
                float scale = E4m3.decode(s) * global;
                for (int i = 0; i < GROUP; i += 2) {
                    int lo = scale == 0 ? 0 : E2m1.encode(w[base + i] / scale);
                    int hi = scale == 0 ? 0 : E2m1.encode(w[base + i + 1] / scale);
                    packed[(base + i) / 2] = (byte) (lo | hi << 4);
                }
            }
        }
        return new Quantized(packed, scales, global);
    }

    @Override
    public List<TensorData> pack(String prefix, float[] w, int out, int in) {
        Quantized q = quantize(w, out, in);
        return List.of(
                TensorData.of(prefix + ".weight", DType.U8, new long[] {out, in / 2},
                        MemorySegment.ofArray(q.packed())),
                TensorData.of(prefix + ".weight_scale", DType.F8_E4M3, new long[] {out, in / GROUP},
                        MemorySegment.ofArray(q.scales())),
                TensorData.f32(prefix + ".weight_scale_2", new long[0], new float[] {q.global()}));
    }

    @Override
    public float[] roundTrip(float[] w, int out, int in) {
        Quantized q = quantize(w, out, in);
        float[] r = new float[out * in];
        for (int e = 0; e < r.length; e++) {
            int b = q.packed()[e / 2];
            float scale = E4m3.decode(q.scales()[e / GROUP]) * q.global();
            r[e] = E2m1.decode((e & 1) == 0 ? b : b >> 4) * scale;
        }
        return r;
    }

    @Override
    public ObjectNode quantizationConfig(List<String> notConverted) {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.put("quant_method", "modelopt");
        config.put("quant_algo", "W4A16_NVFP4");
        config.put("group_size", GROUP);
        config.putNull("kv_cache_quant_algo");
        // hf_quant_config.json calls the list exclude_modules, config.json's block ignore: vLLM reads each there.
        ArrayNode exclude = config.putArray("exclude_modules");
        notConverted.forEach(exclude::add);
        config.set("ignore", exclude.deepCopy());
        return config;
    }
}
