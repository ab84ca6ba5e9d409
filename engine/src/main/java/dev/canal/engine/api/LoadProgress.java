package dev.canal.engine.api;

/**
 * Told how far a load has got copying weights to a discrete GPU (one call per tensor copied), so a front end can
 * draw a progress bar; nothing is copied, and nothing told, where the CPU or an integrated GPU reads the mapped
 * files in place.
 */
@FunctionalInterface
public interface LoadProgress {
    LoadProgress NONE = (done, total) -> { };

    /** {@code done} of {@code total} bytes are on the GPU. */
    void uploaded(long done, long total);
}
