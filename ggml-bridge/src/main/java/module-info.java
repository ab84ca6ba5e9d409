/** GGUF files and ggml block-quant types (issue: ggml-bridge). */
module dev.canal.ggml {
    requires dev.canal.engine;
    requires jdk.incubator.vector;

    exports dev.canal.ggml.gguf;
    exports dev.canal.ggml.quant;
}
