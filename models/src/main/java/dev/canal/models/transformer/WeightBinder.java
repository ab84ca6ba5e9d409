package dev.canal.models.transformer;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Looks tensors up by name, checks their shapes against the config and binds them to a backend, counting the
 * parameters bound (once per tensor, whichever backends it is bound to).
 */
final class WeightBinder {
    private final WeightStore store;
    private final Backend backend;
    private final Set<String> counted;
    private final long[] parameters; // shared by the binders of one model, one per backend

    WeightBinder(WeightStore store, Backend backend) {
        this(store, backend, new HashSet<>(), new long[1]);
    }

    private WeightBinder(WeightStore store, Backend backend, Set<String> counted, long[] parameters) {
        this.store = store;
        this.backend = backend;
        this.counted = counted;
        this.parameters = parameters;
    }

    /** A binder to {@code other} that shares this one's count. */
    WeightBinder on(Backend other) {
        return other == backend ? this : new WeightBinder(store, other, counted, parameters);
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
        return parameters[0];
    }

    private Weight bind(Tensor t, long... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new CanalException(store.source() + ": tensor \"" + t.name() + "\" has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(expected) + " from config.json");
        }
        if (counted.add(t.name())) parameters[0] += t.elementCount();
        return backend.weight(t);
    }
}
