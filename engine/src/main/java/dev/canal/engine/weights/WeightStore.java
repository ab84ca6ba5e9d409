package dev.canal.engine.weights;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.Tensor;

import java.util.Optional;
import java.util.Set;

/**
 * Tensors of one model by name, backed by memory-mapped files. Closing the store unmaps the files, after which no
 * tensor obtained from it may be read.
 */
public interface WeightStore extends AutoCloseable {

    /** Where the weights come from (a directory or a file), for messages. */
    String source();

    Set<String> names();

    Optional<Tensor> find(String name);

    /** The named tensor, or an error that names the source and the missing tensor. */
    default Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new CanalException(source() + ": missing tensor \"" + name + "\""));
    }

    /** Elements of every tensor (a quantized tensor counts its logical elements). */
    default long parameterCount() {
        long n = 0;
        for (String name : names()) n += tensor(name).elementCount();
        return n;
    }

    /** Bytes of every tensor's data. */
    default long byteSize() {
        long n = 0;
        for (String name : names()) n += tensor(name).byteSize();
        return n;
    }

    @Override
    void close();
}
