package dev.canal.engine.backend;

/**
 * A rows × cols float32 matrix of activations owned by a backend (heap or device memory). Ops take an explicit
 * row count so one buffer sized for the largest prompt batch serves every step.
 */
public interface Activations {
    int rows();

    int cols();
}
