package dev.canal.engine.backend;

import java.util.Objects;

/**
 * Which backend runs each part of a decoder, llama.cpp's GPU offload split: the embedding and layers
 * {@code [0, firstOnLast)} run on {@code first}, layers {@code [firstOnLast, layers)}, the final norm and the output
 * head on {@code last}. Between the two the residual stream crosses once per forward pass. One backend for
 * everything ({@link #single}) is the usual case.
 */
public record Placement(Backend first, Backend last, int firstOnLast) {
    public Placement {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(last, "last");
        if (firstOnLast < 0) throw new IllegalArgumentException("firstOnLast " + firstOnLast);
        if (first == last && firstOnLast != 0) {
            throw new IllegalArgumentException("one backend: firstOnLast must be 0, got " + firstOnLast);
        }
    }

    public static Placement single(Backend backend) {
        return new Placement(backend, backend, 0);
    }

    /** The backend of layer {@code layer}. */
    public Backend layer(int layer) {
        return layer < firstOnLast ? first : last;
    }

    /** Whether two backends share the model. */
    public boolean split() {
        return first != last;
    }
}
