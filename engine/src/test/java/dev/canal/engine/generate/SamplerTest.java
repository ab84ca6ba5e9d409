package dev.canal.engine.generate;

import dev.canal.engine.api.SamplerSettings;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
