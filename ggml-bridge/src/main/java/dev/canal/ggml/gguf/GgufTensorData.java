package dev.canal.ggml.gguf;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Produces one tensor's bytes while a {@link GgufWriter} writes the file, so a converter can quantize row by row
 * without holding the model in the heap. It must write exactly the tensor's byte size.
 */
@FunctionalInterface
public interface GgufTensorData {
    void writeTo(OutputStream out) throws IOException;
}
