package dev.canal.engine.backend;

/**
 * Geometry of grouped-query attention: {@code heads} query heads share {@code kvHeads} key/value heads.
 *
 * @param scale         multiplier of q·k before the softmax (usually 1/sqrt(headDim))
 * @param slidingWindow 0 for full causal attention, else a query at position p sees keys in (p - window, p]
 */
public record AttentionShape(int heads, int kvHeads, int headDim, float scale, int slidingWindow) {
    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad attention shape: heads=" + heads + " kvHeads=" + kvHeads
                    + " headDim=" + headDim);
        }
    }
}
