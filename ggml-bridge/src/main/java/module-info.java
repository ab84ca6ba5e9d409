/** GGUF files and ggml block-quant types (issue: ggml-bridge). */
module dev.canal.ggml {
    requires dev.canal.engine;

    // exports dev.canal.ggml once the GGUF reader exists (ggml-bridge issue)
}
