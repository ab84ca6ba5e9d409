package dev.canal.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.backend.TopK;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Which logits the generation loop asks the model for: greedy and top-k take candidates (k = 1, k = top-k), while
 * penalties and top-p / min-p without top-k take the whole row; either way the token is the whole row's.
 */
class NextTokenLogitsTest {
    private static final int VOCAB = 100;
    private static final int[] HISTORY = {3, 3, 9};

    /** A model whose logits are fixed, recording how it was asked for them. */
    private static final class FixedLogits implements DecoderModel {
        final float[] row = new float[VOCAB];
        final List<String> calls = new ArrayList<>();

        FixedLogits() {
            for (int i = 0; i < VOCAB; i++) row[i] = (i * 37 % 11) * 0.3f; // ties among ids
        }

        @Override
        public ModelConfig config() {
            throw new UnsupportedOperationException();
        }

        @Override
        public InferenceState newState(int contextLength, int maxBatch) {
            return new InferenceState() {
                public int contextLength() {
                    return contextLength;
                }

                public int maxBatch() {
                    return maxBatch;
                }
            };
        }

        @Override
        public void forward(InferenceState state, int[] tokens, int count, int startPos, float[] logits) {
            calls.add("row");
            System.arraycopy(row, 0, logits, 0, VOCAB);
        }

        @Override
        public void forwardTopK(InferenceState state, int[] tokens, int count, int startPos, int k, float[] values,
                                int[] ids) {
            calls.add("top " + k);
            TopK.select(row, 0, VOCAB, k, values, ids);
        }
    }

    private static String askedFor(SamplerSettings settings) {
        FixedLogits model = new FixedLogits();
        NextTokenLogits next = new NextTokenLogits(model, model.newState(8, 8), new Sampler(settings, VOCAB),
                new float[VOCAB]);
        next.forward(new int[] {1}, 1, 0);
        int token = next.sample(HISTORY, HISTORY.length);
        float[] row = model.row.clone();
        assertEquals(new Sampler(settings, VOCAB).sample(row, HISTORY, HISTORY.length), token, settings.toString());
        assertEquals(model.calls.getFirst().startsWith("top"), next.candidates());
        return model.calls.getFirst();
    }

    @Test
    void greedyAndTopKTakeCandidatesTheRestTheWholeRow() {
        assertEquals("top 1", askedFor(SamplerSettings.greedy()));
        assertEquals("top 40", askedFor(SamplerSettings.defaults().withSeed(4)));
        assertEquals("top 3", askedFor(SamplerSettings.defaults().withSeed(4).withTopK(3)));
        assertEquals("row", askedFor(SamplerSettings.defaults().withSeed(4).withTopK(0)));
        assertEquals("row", askedFor(SamplerSettings.defaults().withSeed(4).withTopK(VOCAB)));
        assertEquals("row", askedFor(SamplerSettings.defaults().withSeed(4).withPenalties(1.3f, 0f, 0f, 64)));
        assertEquals("row", askedFor(SamplerSettings.greedy().withPenalties(1f, 0.2f, 0f, 64)));
        assertEquals("top 1", askedFor(SamplerSettings.greedy().withPenalties(1.3f, 0f, 0f, 0)));
    }

    @Test
    void penaltiesThatReorderTheBestTokensAreSeenOnlyThroughTheWholeRow() {
        // Token 3 repeats in the history and leads the raw row; the penalty drops it below another.
        SamplerSettings settings = SamplerSettings.greedy().withPenalties(100f, 0f, 0f, 64);
        FixedLogits model = new FixedLogits();
        int rawBest = topId(model.row);
        model.row[3] = model.row[rawBest] + 1f;
        NextTokenLogits next = new NextTokenLogits(model, model.newState(8, 8), new Sampler(settings, VOCAB),
                new float[VOCAB]);
        assertFalse(next.candidates());
        next.forward(new int[] {1}, 1, 0);
        int token = next.sample(HISTORY, HISTORY.length);
        assertTrue(token != 3, "the penalised token must not win: " + token);
    }

    private static int topId(float[] row) {
        int[] ids = new int[1];
        TopK.select(row, 0, row.length, 1, new float[1], ids);
        return ids[0];
    }
}
