package dev.canal.engine.generate;

import dev.canal.engine.api.SamplerSettings;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits the way llama.cpp's default chain does: repetition/frequency/presence
 * penalties over the recent tokens, then top-k, top-p, min-p, temperature and a seeded draw. Temperature 0 is
 * argmax after the penalties. Works on reusable buffers: no allocation per token.
 */
public final class Sampler {
    private final SamplerSettings settings;
    private final SplittableRandom random;
    private final int[] order;     // candidate token ids, best first after selection
    private final float[] probs;   // candidate probabilities, parallel to order
    private final int[] counts;    // occurrences of each id in the penalty window

    public Sampler(SamplerSettings settings, int vocabSize) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.order = new int[vocabSize];
        this.probs = new float[vocabSize];
        this.counts = new int[vocabSize];
    }

    /**
     * The next token. {@code logits} is modified (penalties applied). {@code history} holds the tokens so far,
     * the last {@code historyLength} of which are valid.
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        int vocab = Math.min(logits.length, order.length);
        applyPenalties(logits, vocab, history, historyLength);
        if (settings.isGreedy()) return argmax(logits, vocab);

        int n = selectTopK(logits, vocab, settings.topK() > 0 ? Math.min(settings.topK(), vocab) : vocab);
        // Softmax over the candidates at temperature 1 for top-p / min-p (llama.cpp applies temperature last).
        softmax(logits, n, 1f);
        n = topP(n);
        n = minP(n);
        softmax(logits, n, settings.temperature());
        return draw(n);
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

    static int argmax(float[] logits, int vocab) {
        int best = 0;
        float max = logits[0];
        for (int i = 1; i < vocab; i++) {
            if (logits[i] > max) {
                max = logits[i];
                best = i;
            }
        }
        return best;
    }

    /** Puts the k largest logits' ids in order[0..k), sorted descending. */
    private int selectTopK(float[] logits, int vocab, int k) {
        if (k == vocab) {
            Integer[] boxed = new Integer[vocab];
            for (int i = 0; i < vocab; i++) boxed[i] = i;
            Arrays.sort(boxed, (a, b) -> Float.compare(logits[b], logits[a]));
            for (int i = 0; i < vocab; i++) order[i] = boxed[i];
            return vocab;
        }
        // Min-heap of the best k seen so far in order[0..k).
        int size = 0;
        for (int id = 0; id < vocab; id++) {
            float l = logits[id];
            if (size < k) {
                order[size] = id;
                siftUp(logits, size++);
            } else if (l > logits[order[0]]) {
                order[0] = id;
                siftDown(logits, 0, k);
            }
        }
        // Heap-sort ascending by popping the minimum to the end: yields descending order.
        for (int end = k - 1; end > 0; end--) {
            int t = order[0];
            order[0] = order[end];
            order[end] = t;
            siftDown(logits, 0, end);
        }
        return k;
    }

    private void siftUp(float[] logits, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (logits[order[i]] >= logits[order[parent]]) break;
            int t = order[i];
            order[i] = order[parent];
            order[parent] = t;
            i = parent;
        }
    }

    private void siftDown(float[] logits, int i, int size) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && logits[order[l]] < logits[order[m]]) m = l;
            if (r < size && logits[order[r]] < logits[order[m]]) m = r;
            if (m == i) return;
            int t = order[i];
            order[i] = order[m];
            order[m] = t;
            i = m;
        }
    }

    /** probs[0..n) = softmax(logits[order[i]] / temperature). */
    private void softmax(float[] logits, int n, float temperature) {
        float max = logits[order[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[order[i]] - max) / temperature);
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

    private int draw(int n) {
        double r = random.nextDouble();
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (r < acc) return order[i];
        }
        return order[n - 1];
    }
}
