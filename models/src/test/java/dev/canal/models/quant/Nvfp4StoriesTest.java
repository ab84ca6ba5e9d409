package dev.canal.models.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.quant.nvfp4.Nvfp4Packer;
import dev.canal.engine.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * stories260K with NVFP4 linear layers (ModelOpt layout, as Nvfp4Packer writes it; down_proj's 172 input features
 * are not a multiple of 16 and stay F32) generates what the same weights dequantized to F32 generate.
 */
class Nvfp4StoriesTest {
    @TempDir
    Path dir;

    @Test
    void generatesWhatItsF32RoundTripGenerates() throws IOException {
        Path packed = dir.resolve("nvfp4");
        Path reference = dir.resolve("f32");
        List<String> layers = StoriesWithPacker.write(new Nvfp4Packer(), packed, reference);
        assertEquals(30, layers.size(), "all linear layers but the 5 down_proj are NVFP4");
        assertFalse(layers.contains("model.layers.0.mlp.down_proj"));
        assertTrue(StoriesWithPacker.stored(packed, "model.layers.0.mlp.up_proj.weight_scale", DType.F8_E4M3));
        assertTrue(StoriesWithPacker.stored(packed, "model.layers.0.mlp.down_proj.weight", DType.F32));

        assertArrayEquals(StoriesWithPacker.greedy(reference, "", 48, 1, 1),
                StoriesWithPacker.greedy(packed, "", 48, 1, 1));
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play";
        assertArrayEquals(StoriesWithPacker.greedy(reference, prompt, 24, 2, 32),
                StoriesWithPacker.greedy(packed, prompt, 24, 2, 32));
    }
}
