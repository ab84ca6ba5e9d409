package dev.canal.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.canal.engine.backend.Placement;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.spi.Architecture;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model split between two backends at any layer (the GPU offload split, here with two CPU backends so it runs
 * anywhere) gives the logits of the model on one backend: the residual stream crosses intact, each side keeps the
 * KV cache of its own layers, and the head runs where the last layers do. Not bit for bit: the Vector API's lane
 * reductions add in another order before and after the JIT compiles a kernel, so one run can differ from the next
 * in the last bits.
 */
class SplitPlacementTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 5})
    void splittingAtLayerGivesTheSameLogits(int firstOnLast) {
        try (ModelSource source = ModelLoader.open(Fixtures.stories())) {
            Architecture arch = Architectures.forConfig(source.config());
            int vocab = source.config().vocabSize();
            try (CpuBackend one = new CpuBackend(1); CpuBackend first = new CpuBackend(1);
                 CpuBackend last = new CpuBackend(1)) {
                DecoderModel whole = arch.load(source.config(), source.weights(), Placement.single(one));
                DecoderModel split = arch.load(source.config(), source.weights(),
                        new Placement(first, last, firstOnLast));
                InferenceState a = whole.newState(32, 8), b = split.newState(32, 8);
                int[][] steps = {{1, 403, 407, 261, 379}, {45}, {262}, {300}}; // a prompt, then decode steps
                int pos = 0;
                for (int[] tokens : steps) {
                    float[] expected = new float[vocab], actual = new float[vocab];
                    whole.forward(a, tokens, tokens.length, pos, expected);
                    split.forward(b, tokens, tokens.length, pos, actual);
                    assertArrayEquals(expected, actual, 1e-4f, "split at layer " + firstOnLast + ", position " + pos);
                    pos += tokens.length;
                }
            }
        }
    }
}
