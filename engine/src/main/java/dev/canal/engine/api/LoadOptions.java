package dev.canal.engine.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to load a model.
 *
 * @param threads       CPU threads for the kernels (≥ 1)
 * @param contextLength KV-cache positions per session; 0 = the model's max_position_embeddings capped at 4096
 * @param batchSize     most prompt tokens processed in one forward pass (prefill batch)
 * @param device        where the model runs: {@code "cpu"} (the default), or {@code "cuda"} / {@code "cuda:N"} for
 *                      GPU N. The CUDA backend is never chosen on its own yet: it has not been verified on a GPU,
 *                      so it runs only when asked for, and a load that asks for it fails with the reason when it
 *                      cannot run (no driver, no such GPU, no kernels for its SM, a weight format it cannot bind).
 * @param gpuLayers     on a GPU, how many of the last layers it runs, the rest staying on the CPU (llama.cpp's
 *                      {@code -ngl}); {@link #GPU_LAYERS_THAT_FIT}, the default, for as many as its free memory
 *                      holds (all, when the model fits)
 * @param progress      told as weights are copied to a GPU
 */
public record LoadOptions(int threads, int contextLength, int batchSize, String device, int gpuLayers,
                          LoadProgress progress) {
    private static final Pattern DEVICE = Pattern.compile("cpu|cuda(?::(\\d{1,3}))?");

    /** {@link #gpuLayers} for as many layers as the GPU's free memory holds. */
    public static final int GPU_LAYERS_THAT_FIT = -1;

    public LoadOptions {
        if (threads < 1) throw new CanalException("threads must be at least 1, got " + threads);
        if (contextLength < 0) throw new CanalException("context length must not be negative, got " + contextLength);
        if (batchSize < 1) throw new CanalException("batch size must be at least 1, got " + batchSize);
        if (device == null || !DEVICE.matcher(device).matches()) {
            throw new CanalException("device must be cpu, cuda or cuda:N (N a GPU number), got " + device);
        }
        if (gpuLayers != GPU_LAYERS_THAT_FIT && gpuLayers < 1) {
            throw new CanalException("gpu layers must be at least 1 (or -1 for as many as fit), got " + gpuLayers);
        }
        if (gpuLayers != GPU_LAYERS_THAT_FIT && device.equals("cpu")) {
            throw new CanalException("gpu layers are for a GPU: add --device cuda (or leave --gpu-layers out)");
        }
        if (progress == null) throw new CanalException("progress must not be null (LoadProgress.NONE for none)");
    }

    /** Options for {@code device}, with as many layers on a GPU as fit. */
    public LoadOptions(int threads, int contextLength, int batchSize, String device) {
        this(threads, contextLength, batchSize, device, GPU_LAYERS_THAT_FIT, LoadProgress.NONE);
    }

    /** Options for the CPU. */
    public LoadOptions(int threads, int contextLength, int batchSize) {
        this(threads, contextLength, batchSize, "cpu");
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Runtime.getRuntime().availableProcessors(), 0, 64);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, contextLength, batchSize, device, gpuLayers, progress);
    }

    public LoadOptions withContextLength(int n) {
        return new LoadOptions(threads, n, batchSize, device, gpuLayers, progress);
    }

    public LoadOptions withBatchSize(int n) {
        return new LoadOptions(threads, contextLength, n, device, gpuLayers, progress);
    }

    public LoadOptions withDevice(String d) {
        return new LoadOptions(threads, contextLength, batchSize, d, gpuLayers, progress);
    }

    public LoadOptions withGpuLayers(int n) {
        return new LoadOptions(threads, contextLength, batchSize, device, n, progress);
    }

    public LoadOptions withProgress(LoadProgress p) {
        return new LoadOptions(threads, contextLength, batchSize, device, gpuLayers, p);
    }

    /** The GPU number {@link #device} names, or -1 for the CPU. */
    public int cudaOrdinal() {
        Matcher m = DEVICE.matcher(device);
        if (!m.matches() || device.equals("cpu")) return -1;
        return m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
    }
}
