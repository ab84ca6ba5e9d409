package dev.canal.models.transformer;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.Arrays;

/** Looks tensors up by name, checks their shapes against the config and binds them to the backend. */
final class WeightBinder {
    private final WeightStore store;
    private final Backend backend;
    private long parameters;

    WeightBinder(WeightStore store, Backend backend) {
        this.store = store;
        this.backend = backend;
    }

    Weight matrix(String name, long rows, long cols) {
        return bind(store.tensor(name), rows, cols);
    }

    Weight vector(String name, long length) {
        return bind(store.tensor(name), length);
    }

    /** A vector that may be absent (biases); present ones must have the right shape. */
    Weight optionalVector(String name, long length) {
        return store.find(name).map(t -> bind(t, length)).orElse(null);
    }

    boolean has(String name) {
        return store.find(name).isPresent();
    }

    long parameters() {
        return parameters;
    }

    private Weight bind(Tensor t, long... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new CanalException(store.source() + ": tensor \"" + t.name() + "\" has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(expected) + " from config.json");
        }
        parameters += t.elementCount();
        return backend.weight(t);
    }
}
