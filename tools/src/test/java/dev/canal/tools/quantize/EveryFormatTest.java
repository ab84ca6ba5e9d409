package dev.canal.tools.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each --to writes a directory canal loads through that format's reader (quant_method in config.json, the packer's
 * tensors); its logits stay near the float model's (a model without outlier channels), closer for the 8-bit formats.
 * Measured here: int8 ≈ 4e-5, fp8 ≈ 2e-3, int4 ≈ 1e-2, nvfp4 ≈ 3e-2 of the logits' mean square; bounds are ~3×.
 */
class EveryFormatTest {
    @TempDir
    static Path tmp;
    private static Path model;
    private static int[] prompt;
    private static float[][] reference;
    private static double logitPower;

    @BeforeAll
    static void floatModel() throws IOException {
        model = TinyLlama.write(tmp.resolve("float"), 5, false);
        prompt = TinyLlama.encode(model, "A girl named Lily liked to draw pictures of the sea.");
        reference = TinyLlama.logits(model, prompt);
        logitPower = TinyLlama.meanSquaredError(reference, new float[reference.length][reference[0].length]);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "awq int4 g32 | awq | --to awq --group-size 32 | 0.04",
            "gptq int4 g64 | gptq | --to gptq --bits 4 --group-size 64 | 0.04",
            "gptq int8 g128 | gptq | --to gptq --bits 8 | 2e-4",
            "fp8 per-channel | compressed-tensors | --to fp8 | 6e-3",
            "fp8 block | compressed-tensors | --to fp8 --fp8-scaling block | 6e-3",
            "nvfp4 | modelopt | --to nvfp4 | 0.09"})
    void quantizesLoadsAndGenerates(String name, String quantMethod, String options, double maxRelativeError)
            throws IOException {
        Path out = tmp.resolve(name.replace(' ', '-'));
        List<String> args = new ArrayList<>(List.of("quantize", model.toString(), "-o", out.toString(),
                "--threads", "2"));
        args.addAll(List.of(options.split(" ")));
        QuantizeCli.Result r = QuantizeCli.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals(quantMethod, config.get("quantization_config").get("quant_method").asText());

        double relative = TinyLlama.meanSquaredError(reference, TinyLlama.logits(out, prompt)) / logitPower;
        System.out.printf("%s: logit MSE / mean square logit = %.4g%n", name, relative);
        // Above zero: the quantized layers were bound (a float copy would match exactly); below the bound: the
        // format's reader multiplies what its packer wrote.
        assertTrue(relative > 0 && relative < maxRelativeError, name + ": relative logit error " + relative);
    }
}
