/** canal's engine: public API, tensors, weight loading, tokenizers, chat templates, backends, generation. */
module dev.canal.engine {
    requires jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;

    exports dev.canal.engine.api;
    exports dev.canal.engine.backend;
    exports dev.canal.engine.backend.cpu;
    exports dev.canal.engine.backend.cuda;
    exports dev.canal.engine.backend.cuda.bindings;
    exports dev.canal.engine.config;
    exports dev.canal.engine.generate;
    exports dev.canal.engine.quant;
    exports dev.canal.engine.quant.awq;
    exports dev.canal.engine.quant.compressed;
    exports dev.canal.engine.quant.gptq;
    exports dev.canal.engine.quant.fp8;
    exports dev.canal.engine.quant.nvfp4;
    exports dev.canal.engine.spi;
    exports dev.canal.engine.tensor;
    exports dev.canal.engine.template;
    exports dev.canal.engine.tokenizer;
    exports dev.canal.engine.vector;
    exports dev.canal.engine.weights;

    uses dev.canal.engine.spi.Architecture;
    uses dev.canal.engine.spi.ModelFormat;
}
