package dev.canal.engine.backend;

import dev.canal.engine.tensor.Tensor;

/**
 * A weight prepared by a backend: for the CPU the mapped tensor itself, for a GPU its device copy. Matrices are
 * [rows = out_features, cols = in_features]; vectors (norms, biases) have rows = 1.
 */
public interface Weight {
    Tensor tensor();

    long rows();

    long cols();
}
