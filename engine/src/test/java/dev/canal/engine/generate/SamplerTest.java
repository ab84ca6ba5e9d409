package dev.canal.engine.generate;

import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.backend.TopK;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final int[] NO_HISTORY = new int[0];

    @Test
    void greedyPicksTheLargestLogit() {
        Sampler s = new Sampler(SamplerSettings.greedy(), 5);
        assertEquals(3, s.sample(new float[]{0.1f, -2f, 1.5f, 7f, 6.9f}, NO_HISTORY, 0));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(SamplerSettings.greedy().withPenalties(2f, 0f, 0f, 64), 3);
        float[] logits = {4f, 3f, -1f};
        // token 0 was seen twice: penalised once (4 → 2), so token 1 (3) wins.
        assertEquals(1, s.sample(logits, new int[]{0, 0, 2}, 3));
        assertEquals(2f, logits[0]);
        assertEquals(-2f, logits[2]);
    }

    @Test
    void frequencyAndPresencePenaltiesSubtractPerOccurrenceAndOnce() {
        Sampler s = new Sampler(SamplerSettings.greedy().withPenalties(1f, 0.5f, 1f, 64), 2);
        float[] logits = {5f, 3f};
        s.sample(logits, new int[]{0, 0, 0}, 3);
        assertEquals(5f - 3 * 0.5f - 1f, logits[0]);
        assertEquals(3f, logits[1]);
    }

    @Test
    void penaltyWindowOnlyCoversTheLastNTokens() {
        Sampler s = new Sampler(SamplerSettings.greedy().withPenalties(10f, 0f, 0f, 1), 3);
        float[] logits = {5f, 4f, 0f};
        assertEquals(0, s.sample(logits, new int[]{0, 1}, 2)); // only token 1 is inside the window
        assertEquals(0.4f, logits[1], 1e-6);
    }

    @Test
    void topKOfOneIsGreedyWhateverTheTemperature() {
        Sampler s = new Sampler(SamplerSettings.defaults().withTopK(1).withTemperature(5f).withSeed(1), 4);
        for (int i = 0; i < 50; i++) assertEquals(2, s.sample(new float[]{1f, 2f, 3f, 0f}, NO_HISTORY, 0));
    }

    @Test
    void minPDropsUnlikelyCandidates() {
        // p ∝ e^0, e^-10: the second is e^-10 ≈ 4.5e-5 of the first, under min-p 0.01.
        Sampler s = new Sampler(new SamplerSettings(1f, 0, 1f, 0.01f, 1f, 0f, 0f, 64, 7), 2);
        for (int i = 0; i < 200; i++) assertEquals(0, s.sample(new float[]{0f, -10f}, NO_HISTORY, 0));
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // probabilities ≈ 0.665, 0.245, 0.090: top-p 0.6 keeps only the first.
        Sampler s = new Sampler(new SamplerSettings(1f, 0, 0.6f, 0f, 1f, 0f, 0f, 64, 3), 3);
        for (int i = 0; i < 200; i++) assertEquals(0, s.sample(new float[]{2f, 1f, 0f}, NO_HISTORY, 0));
    }

    @Test
    void samplingFollowsTheSoftmaxDistributionAndIsReproducibleBySeed() {
        SamplerSettings settings = new SamplerSettings(1f, 0, 1f, 0f, 1f, 0f, 0f, 64, 42);
        Sampler a = new Sampler(settings, 3);
        Sampler b = new Sampler(settings, 3);
        Map<Integer, Integer> counts = new HashMap<>();
        int n = 20000;
        for (int i = 0; i < n; i++) {
            int ta = a.sample(new float[]{0f, (float) Math.log(2), (float) Math.log(7)}, NO_HISTORY, 0);
            int tb = b.sample(new float[]{0f, (float) Math.log(2), (float) Math.log(7)}, NO_HISTORY, 0);
            assertEquals(ta, tb, "same seed, same draws");
            counts.merge(ta, 1, Integer::sum);
        }
        // expected 0.1, 0.2, 0.7; binomial sd at n=20000 is ≤ 0.0033, allow 5 sd.
        assertEquals(0.1, counts.get(0) / (double) n, 0.017);
        assertEquals(0.2, counts.get(1) / (double) n, 0.017);
        assertEquals(0.7, counts.get(2) / (double) n, 0.017);
    }

    @Test
    void lowTemperatureSharpensTowardsTheBest() {
        Sampler s = new Sampler(new SamplerSettings(0.05f, 0, 1f, 0f, 1f, 0f, 0f, 64, 9), 3);
        int best = 0;
        for (int i = 0; i < 500; i++) if (s.sample(new float[]{1f, 1.5f, 0f}, NO_HISTORY, 0) == 1) best++;
        assertTrue(best > 495, "temperature 0.05 on a 0.5 logit gap picks the best almost always: " + best);
    }

    @Test
    void greedyTiesGoToTheLowerIdAndNanNeverWinsAgainstANumber() {
        Sampler s = new Sampler(SamplerSettings.greedy(), 5);
        assertEquals(1, s.sample(new float[]{0f, 3f, -1f, 3f, 2f}, NO_HISTORY, 0));
        float nan = Float.NaN;
        assertEquals(2, s.sample(new float[]{nan, Float.NEGATIVE_INFINITY, -5f, nan, -6f}, NO_HISTORY, 0));
        assertEquals(1, s.sample(new float[]{nan, Float.NEGATIVE_INFINITY, nan, nan, Float.NEGATIVE_INFINITY},
                NO_HISTORY, 0));
        assertEquals(0, s.sample(new float[]{nan, nan, nan, nan, nan}, NO_HISTORY, 0));
    }

    @Test
    void candidatesAreOneWhenGreedyTopKWhereSetElseTheWholeRow() {
        assertEquals(1, new Sampler(SamplerSettings.greedy().withTopK(40), 100).candidates(100));
        assertEquals(40, new Sampler(SamplerSettings.defaults(), 100).candidates(100));
        assertEquals(30, new Sampler(SamplerSettings.defaults(), 30).candidates(30));
        assertEquals(100, new Sampler(SamplerSettings.defaults().withTopK(0), 100).candidates(100));
        assertTrue(new Sampler(SamplerSettings.defaults().withPenalties(1.1f, 0f, 0f, 64), 9).penalizes());
        assertTrue(new Sampler(SamplerSettings.defaults().withPenalties(1f, 0f, 0.5f, 64), 9).penalizes());
        assertFalse(new Sampler(SamplerSettings.defaults().withPenalties(1.1f, 0f, 0f, 0), 9).penalizes());
        assertFalse(new Sampler(SamplerSettings.defaults(), 9).penalizes());
    }

    /**
     * The candidate path (a backend's best k, then sampleCandidates) draws the same tokens as sample over the whole
     * row, step after step with one seed: rows with many ties (at the k-th place too), top-p and min-p on, greedy.
     */
    @Test
    void samplingTheBestKCandidatesEqualsSamplingTheWholeRow() {
        Random random = new Random(21);
        int vocab = 3000;
        SamplerSettings[] settings = {
                SamplerSettings.defaults().withSeed(5),
                SamplerSettings.defaults().withSeed(6).withTemperature(1.7f).withTopP(1f).withMinP(0f),
                SamplerSettings.defaults().withSeed(7).withTopK(1),
                SamplerSettings.defaults().withSeed(8).withTopK(vocab - 1).withTemperature(2f).withMinP(0f),
                SamplerSettings.greedy()};
        for (SamplerSettings setting : settings) {
            Sampler whole = new Sampler(setting, vocab), fromCandidates = new Sampler(setting, vocab);
            int k = fromCandidates.candidates(vocab);
            float[] values = new float[k];
            int[] ids = new int[k];
            for (int step = 0; step < 300; step++) {
                float[] row = new float[vocab];
                for (int i = 0; i < vocab; i++) row[i] = random.nextInt(60) * 0.1f; // ties everywhere
                TopK.select(row, 0, vocab, k, values, ids);
                int a = whole.sample(row, NO_HISTORY, 0);
                int b = fromCandidates.sampleCandidates(values, ids, k);
                assertEquals(a, b, setting + ", step " + step);
            }
        }
    }
}
