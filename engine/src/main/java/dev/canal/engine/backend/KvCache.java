package dev.canal.engine.backend;

/** Keys and values of every layer for positions [0, capacity), owned by a backend. */
public interface KvCache {
    int layers();

    int kvHeads();

    int headDim();

    /** The most positions this cache can hold. */
    int capacity();
}
