package dev.canal.engine.api;

/**
 * What was loaded.
 *
 * @param architecture  the architecture family and Hugging Face class, e.g. "llama (LlamaForCausalLM)"
 * @param parameters    number of weights
 * @param weightBytes   bytes of weight data mapped
 * @param contextLength positions a session can hold
 * @param backend       where the forward pass runs, e.g. "cpu (2 threads)"
 * @param backendReason why that backend, in one line (e.g. why no GPU is used)
 * @param loadMillis    time to map, validate and bind the weights
 */
public record ModelInfo(String source, String architecture, long parameters, long weightBytes, String dtype,
                        int contextLength, int vocabSize, String backend, String backendReason,
                        long loadMillis) {
}
