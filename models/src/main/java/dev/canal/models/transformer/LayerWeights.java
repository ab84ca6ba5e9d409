package dev.canal.models.transformer;

import dev.canal.engine.backend.Weight;

/** The weights of one decoder layer, bound to a backend. Optional ones are null when the family has none. */
record LayerWeights(
        Weight attnNorm,
        Weight wq, Weight wk, Weight wv, Weight wo,
        Weight bq, Weight bk, Weight bv, Weight bo,
        Weight qNorm, Weight kNorm,
        Weight ffnNorm,
        Weight wGate, Weight wUp, Weight wDown) {
}
