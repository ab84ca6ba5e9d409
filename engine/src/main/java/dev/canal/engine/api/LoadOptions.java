package dev.canal.engine.api;

/**
 * How to load a model.
 *
 * @param threads       CPU threads for the kernels (≥ 1)
 * @param contextLength KV-cache positions per session; 0 = the model's max_position_embeddings capped at 4096
 * @param batchSize     most prompt tokens processed in one forward pass (prefill batch)
 */
public record LoadOptions(int threads, int contextLength, int batchSize) {

    public LoadOptions {
        if (threads < 1) throw new CanalException("threads must be at least 1, got " + threads);
        if (contextLength < 0) throw new CanalException("context length must not be negative, got " + contextLength);
        if (batchSize < 1) throw new CanalException("batch size must be at least 1, got " + batchSize);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Runtime.getRuntime().availableProcessors(), 0, 64);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, contextLength, batchSize);
    }

    public LoadOptions withContextLength(int n) {
        return new LoadOptions(threads, n, batchSize);
    }

    public LoadOptions withBatchSize(int n) {
        return new LoadOptions(threads, contextLength, n);
    }
}
