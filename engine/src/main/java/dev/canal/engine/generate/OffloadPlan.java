package dev.canal.engine.generate;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.weights.WeightStore;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many of a model's layers a GPU takes (llama.cpp's {@code -ngl}), decided from the weights' sizes and the GPU's
 * free memory before anything is uploaded. All of them where the weights fit with {@code headroom} to spare for the
 * KV cache and activations (or where the GPU reads the mapped weights in place); otherwise the last layers that
 * fit, with the final norm and the output head, while the embedding and the first layers stay on the CPU. A count
 * asked for is taken as asked (more than the model has: all), and refused with the figures if it does not fit.
 *
 * @param layers    the model's layers
 * @param gpuLayers how many of the last ones the GPU runs; {@code layers} means the whole model
 * @param gpuBytes  weight bytes copied to the GPU
 * @param cpuBytes  weight bytes left to the CPU
 */
public record OffloadPlan(int layers, int gpuLayers, long gpuBytes, long cpuBytes) {
    /** {@code requested} for "as many as fit". */
    public static final int AUTO = LoadOptions.GPU_LAYERS_THAT_FIT;
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\..*");
    private static final double GIB = 1L << 30;

    public boolean whole() {
        return gpuLayers >= layers;
    }

    /** The first layer on the GPU. */
    public int firstGpuLayer() {
        return layers - gpuLayers;
    }

    /**
     * The plan for {@code weights} (Hugging Face tensor names) on a GPU named {@code gpu} with {@code free} of
     * {@code total} bytes free, {@code inPlace} when it reads the mapped weights without copies.
     */
    public static OffloadPlan plan(WeightStore weights, int layers, String gpu, long free, long total, long headroom,
                                   boolean inPlace, int requested) {
        if (requested == 0 || requested < AUTO) {
            throw new CanalException("--gpu-layers must be at least 1 (or left out for as many as fit), got "
                    + requested + "; --device cpu runs the whole model on the CPU");
        }
        long[] layerBytes = new long[layers];
        long embedding = 0, head = 0, rest = 0;
        boolean ownHead = false;
        for (String name : weights.names()) {
            long bytes = weights.tensor(name).byteSize();
            Matcher m = LAYER.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(1)) < layers) {
                layerBytes[Integer.parseInt(m.group(1))] += bytes;
            } else if (name.equals("model.embed_tokens.weight")) {
                embedding = bytes;
            } else if (name.equals("lm_head.weight")) {
                head += bytes;
                ownHead = true;
            } else {
                rest += bytes; // the final norm and anything else beside the layers goes with the head
            }
        }
        long all = embedding + head + rest;
        for (long b : layerBytes) all += b;
        if (inPlace) return new OffloadPlan(layers, layers, 0, 0);
        long tail = (ownHead ? head : embedding) + rest; // on the GPU with any split: the head and the final norm
        long budget = free - headroom;
        if (requested == AUTO || requested >= layers) {
            if (all <= budget) return new OffloadPlan(layers, layers, all, 0);
            if (requested != AUTO) throw refusal(gpu, "the whole model", all, free, total, headroom);
            int n = 0;
            long used = tail;
            while (n < layers && used + layerBytes[layers - 1 - n] <= budget) used += layerBytes[layers - 1 - n++];
            if (n == 0) {
                throw refusal(gpu, "the output head and one layer", tail + layerBytes[layers - 1], free, total,
                        headroom);
            }
            return new OffloadPlan(layers, n, used, all - used + (ownHead ? 0 : embedding));
        }
        long used = tail;
        for (int l = layers - requested; l < layers; l++) used += layerBytes[l];
        if (used > budget) throw refusal(gpu, requested + " layers and the output head", used, free, total, headroom);
        return new OffloadPlan(layers, requested, used, all - used + (ownHead ? 0 : embedding));
    }

    private static CanalException refusal(String gpu, String what, long bytes, long free, long total, long headroom) {
        return new CanalException(String.format(Locale.ROOT, "%s: %s need %.2f GiB and about %.2f GiB more for the"
                        + " KV cache and activations, but it has %.2f GiB free of %.2f GiB; run fewer layers on it"
                        + " (--gpu-layers N) or the model on the CPU (--device cpu)", gpu, what, bytes / GIB,
                headroom / GIB, free / GIB, total / GIB));
    }

    /** For the load line: what each side runs. */
    public String describe(String gpu, int cpuThreads) {
        if (whole()) return gpu;
        int first = firstGpuLayer();
        return String.format(Locale.ROOT, "%s (layers %d-%d and the output head, %s) + cpu (%d threads: the"
                        + " embedding%s)", gpu, first, layers - 1, size(gpuBytes), cpuThreads,
                first == 0 ? "" : first == 1 ? " and layer 0" : " and layers 0-" + (first - 1));
    }

    private static String size(long bytes) {
        return bytes >= GIB ? String.format(Locale.ROOT, "%.2f GiB", bytes / GIB)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
