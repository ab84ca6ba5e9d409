package dev.canal.engine.generate;

import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.backend.TopK;

import java.util.SplittableRandom;

/**
 * Picks the next token from logits the way llama.cpp's default chain does: repetition/frequency/presence
 * penalties over the recent tokens, then top-k, top-p, min-p, temperature and a seeded draw. Temperature 0 is
 * argmax after the penalties. Candidates are ranked in {@link TopK}'s order (ties to the lower id, NaN last), the
 * order every backend's {@link dev.canal.engine.backend.Backend#topK} selects in.
 *
 * <p>Everything after the penalties looks only at the best {@link #candidates} logits: greedy at the best one,
 * top-k at the best k (softmax at temperature 1, top-p, min-p, softmax at the temperature and the draw all run over
 * them). So where no penalty applies, {@link #sampleCandidates} over those candidates, selected where the logits
 * are (a GPU), picks the same token for the same seed as {@link #sample} over the whole row. Works on reusable
 * buffers: no allocation per token.
 */
public final class Sampler {
    private final SamplerSettings settings;
    private final SplittableRandom random;
    private final int[] order;     // candidate token ids, best first after selection
    private final float[] values;  // candidate logits, parallel to order
    private final float[] probs;   // candidate probabilities, parallel to order
    private final int[] counts;    // occurrences of each id in the penalty window
    private final long[] ranks;    // TopK's selection buffer

    public Sampler(SamplerSettings settings, int vocabSize) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.order = new int[vocabSize];
        this.values = new float[vocabSize];
        this.probs = new float[vocabSize];
        this.counts = new int[vocabSize];
        this.ranks = new long[vocabSize];
    }

    /**
     * The next token. {@code logits} is modified (penalties applied). {@code history} holds the tokens so far,
     * the last {@code historyLength} of which are valid.
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        int vocab = Math.min(logits.length, order.length);
        applyPenalties(logits, vocab, history, historyLength);
        int n = candidates(vocab);
        TopK.select(logits, 0, vocab, n, values, order, ranks);
        return sampleCandidates(values, order, n);
    }

    /**
     * How many of the best logits decide the token over a vocabulary of {@code vocab}: 1 when greedy, top-k where
     * set, else all of them (top-p and min-p need the softmax over the whole row).
     */
    public int candidates(int vocab) {
        if (settings.isGreedy()) return 1;
        return settings.topK() > 0 ? Math.min(settings.topK(), vocab) : vocab;
    }

    /**
     * Whether penalties are set: then {@link #sample} changes the logits of the tokens in the window before choosing
     * (once there is a history, which a generation always has), the best candidates of the raw row are not
     * necessarily the ones it chooses from, and the caller must pass the whole row.
     */
    public boolean penalizes() {
        return !(settings.repetitionPenalty() == 1f && settings.frequencyPenalty() == 0f
                && settings.presencePenalty() == 0f) && settings.penaltyLastN() > 0;
    }

    /**
     * The next token from the best {@code n} = {@link #candidates} logits of a row no penalty applies to:
     * {@code logits[i]} of token {@code ids[i]}, best first in {@link TopK}'s order (as {@code Backend.topK} gives
     * them). The same token, and the same random draws, as {@link #sample} over the whole row.
     */
    public int sampleCandidates(float[] logits, int[] ids, int n) {
        if (settings.isGreedy()) return ids[0];
        // Softmax over the candidates at temperature 1 for top-p / min-p (llama.cpp applies temperature last).
        softmax(logits, n, 1f);
        n = topP(n);
        n = minP(n);
        softmax(logits, n, settings.temperature());
        return draw(ids, n);
    }

    private void applyPenalties(float[] logits, int vocab, int[] history, int length) {
        float rep = settings.repetitionPenalty(), freq = settings.frequencyPenalty(), pres = settings.presencePenalty();
        if ((rep == 1f && freq == 0f && pres == 0f) || settings.penaltyLastN() == 0 || length == 0) return;
        int from = Math.max(0, length - settings.penaltyLastN());
        for (int i = from; i < length; i++) {
            int t = history[i];
            if (t >= 0 && t < vocab) counts[t]++;
        }
        for (int i = from; i < length; i++) {
            int t = history[i];
            if (t < 0 || t >= vocab || counts[t] == 0) continue;
            float l = logits[t];
            l = l > 0 ? l / rep : l * rep;
            logits[t] = l - counts[t] * freq - pres;
            counts[t] = 0; // each distinct token penalised once; also resets the counts for the next call
        }
    }

    /** probs[0..n) = softmax(logits[i] / temperature), logits best first. */
    private void softmax(float[] logits, int n, float temperature) {
        float max = logits[0];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[i] - max) / temperature);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) probs[i] = (float) (probs[i] / sum);
    }

    /** Keeps the smallest prefix whose probability mass reaches top-p (at least one candidate). */
    private int topP(int n) {
        if (settings.topP() >= 1f) return n;
        double mass = 0;
        for (int i = 0; i < n; i++) {
            mass += probs[i];
            if (mass >= settings.topP()) return i + 1;
        }
        return n;
    }

    /** Keeps candidates whose probability is at least min-p times the best one's. */
    private int minP(int n) {
        if (settings.minP() <= 0f) return n;
        float threshold = probs[0] * settings.minP();
        int kept = 1;
        while (kept < n && probs[kept] >= threshold) kept++;
        return kept;
    }

    private int draw(int[] ids, int n) {
        double r = random.nextDouble();
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (r < acc) return ids[i];
        }
        return ids[n - 1];
    }
}
