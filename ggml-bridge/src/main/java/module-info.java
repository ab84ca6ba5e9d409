/** GGUF files and ggml block-quant types (issue: ggml-bridge). */
module dev.canal.ggml {
    requires dev.canal.engine;
    requires jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;

    exports dev.canal.ggml.convert;
    exports dev.canal.ggml.gguf;
    exports dev.canal.ggml.model;
    exports dev.canal.ggml.quant;
    exports dev.canal.ggml.vocab;

    provides dev.canal.engine.spi.ModelFormat with dev.canal.ggml.model.GgufModelFormat;
}
