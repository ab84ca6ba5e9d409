/** Decoder architectures, one file per family, plugged into the engine through ServiceLoader. */
module dev.canal.models {
    requires dev.canal.engine;

    exports dev.canal.models.transformer;

    provides dev.canal.engine.spi.Architecture with
            dev.canal.models.llama.Llama,
            dev.canal.models.qwen.Qwen2,
            dev.canal.models.qwen.Qwen3;
}
