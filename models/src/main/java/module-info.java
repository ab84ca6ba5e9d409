/** Decoder architectures, one file per family, plugged into the engine through ServiceLoader. */
module dev.canal.models {
    requires dev.canal.engine;


}
