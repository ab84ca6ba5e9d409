package dev.canal.engine.generate;

import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;

/**
 * What one generation's forward passes hand the sampler: the best k logits where the sampler looks at no more
 * ({@link Sampler#candidates}: 1 when greedy, top-k where set), selected on the backend that computed them, so a
 * GPU downloads k candidates per token instead of the vocabulary; otherwise the whole row.
 *
 * <p>Penalties take the whole row. They change the logits of the tokens in the window before the choice, so the best
 * k of the raw row can miss a candidate. Exact candidates would need the best k + (distinct tokens in the window)
 * plus those tokens' own logits, i.e. a gather op in the Backend SPI and a k that can pass the kernels' limit;
 * penalties are off by default (as in llama.cpp), so they keep the simple path instead.
 */
final class NextTokenLogits {
    private final DecoderModel decoder;
    private final InferenceState state;
    private final Sampler sampler;
    private final float[] row;
    private final int k;          // candidates asked for; 0: the whole row
    private final float[] values;
    private final int[] ids;

    /** {@code row}: a buffer of the vocabulary's length for the whole-row path. */
    NextTokenLogits(DecoderModel decoder, InferenceState state, Sampler sampler, float[] row) {
        this.decoder = decoder;
        this.state = state;
        this.sampler = sampler;
        this.row = row;
        int candidates = sampler.candidates(row.length);
        this.k = candidates < row.length && !sampler.penalizes() ? candidates : 0;
        this.values = new float[k];
        this.ids = new int[k];
    }

    /** Whether the sampler gets candidates (else the whole row). */
    boolean candidates() {
        return k > 0;
    }

    /** Runs tokens[0..count) at startPos.. and keeps what the sampler needs of the last one's logits. */
    void forward(int[] tokens, int count, int startPos) {
        if (k > 0) {
            decoder.forwardTopK(state, tokens, count, startPos, k, values, ids);
        } else {
            decoder.forward(state, tokens, count, startPos, row);
        }
    }

    /** The next token from the last {@link #forward}; {@code history[0..length)} the tokens so far. */
    int sample(int[] history, int length) {
        return k > 0 ? sampler.sampleCandidates(values, ids, k) : sampler.sample(row, history, length);
    }
}
