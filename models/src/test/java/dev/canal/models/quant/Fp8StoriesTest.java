package dev.canal.models.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.quant.fp8.Fp8Packer;
import dev.canal.engine.tensor.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * stories260K with FP8 linear layers (compressed-tensors float-quantized, as Fp8Packer writes it) generates what
 * the same weights dequantized to F32 generate on the float path: greedily from BOS, token by token, and after a
 * prompt prefilled in one batch (the dequantized-tile kernel).
 */
class Fp8StoriesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Fp8Packer.Scaling.class)
    void generatesWhatItsF32RoundTripGenerates(Fp8Packer.Scaling scaling) throws IOException {
        Path packed = dir.resolve("fp8");
        Path reference = dir.resolve("f32");
        List<String> layers = StoriesWithPacker.write(new Fp8Packer(scaling), packed, reference);
        assertEquals(35, layers.size(), "every linear layer of the 5 blocks is FP8");
        assertTrue(StoriesWithPacker.stored(packed, "model.layers.4.mlp.down_proj.weight", DType.F8_E4M3));

        int[] expected = StoriesWithPacker.greedy(reference, "", 48, 1, 1);
        assertArrayEquals(expected, StoriesWithPacker.greedy(packed, "", 48, 1, 1));
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play";
        assertArrayEquals(StoriesWithPacker.greedy(reference, prompt, 24, 2, 32),
                StoriesWithPacker.greedy(packed, prompt, 24, 2, 32));
    }
}
