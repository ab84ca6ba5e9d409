package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Runs calibration text through the float model with canal's own forward pass and records the inputs of chosen
 * linear layers. The text is the model's tokenizer's encoding of {@code --calib FILE} (or a built-in few paragraphs
 * of varied English), cut to the first {@code tokens} tokens and split into sequences no longer than the model's
 * context; every sequence starts with BOS where the tokenizer has one, as training text does.
 */
final class Calibration {
    /** Prompt tokens per forward call: prefill-sized matmuls, a small activation buffer. */
    private static final int BATCH = 64;
    /** Longest sequence run at once; longer calibration text is split (attention cost grows with length). */
    private static final int MAX_SEQUENCE = 2048;
    /** Input rows kept per layer for the error measurement of the scale search. */
    static final int SAMPLE_ROWS = 512;

    private Calibration() {
    }

    /** The built-in calibration text. */
    static String defaultText() {
        try (InputStream in = Calibration.class.getResourceAsStream("calibration.txt")) {
            if (in == null) throw new IllegalStateException("calibration.txt missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in calibration text", e);
        }
    }

    /** The text of a --calib file, refused when unreadable or empty. */
    static String readText(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.isBlank()) throw new CanalException(file + ": calibration text is empty");
            return text;
        } catch (IOException e) {
            throw new CanalException(file + ": cannot read calibration text (" + e.getMessage() + ")");
        }
    }

    /**
     * Statistics of the inputs of {@code weights} (tensor names) over the first {@code tokens} tokens of
     * {@code text}.
     */
    static Map<String, InputStatistics> record(Path modelDir, Set<String> weights, String text, int tokens,
                                               int threads, PrintStream progress) {
        try (ModelSource source = ModelLoader.open(modelDir)) {
            ModelConfig config = source.config();
            int[] ids = encode(source.tokenizer(), text, tokens);
            Map<String, InputStatistics> stats = new LinkedHashMap<>();
            long seed = 1;
            for (String w : weights) {
                stats.put(w, new InputStatistics((int) source.weights().tensor(w).dim(1), SAMPLE_ROWS, seed++));
            }
            int sequence = Math.min(Math.min(config.maxPositionEmbeddings(), MAX_SEQUENCE), ids.length);
            try (RecordingBackend backend = new RecordingBackend(new CpuBackend(threads), stats);
                 DecoderModel model = Architectures.forConfig(config).load(config, source.weights(), backend)) {
                float[] logits = new float[config.vocabSize()];
                int bos = source.tokenizer().bosId().orElse(-1);
                int done = 0;
                while (done < ids.length) {
                    // Every sequence after the first gets a BOS in front, as the first has from the encoding.
                    boolean addBos = done > 0 && bos >= 0;
                    int take = Math.min(ids.length - done, addBos ? sequence - 1 : sequence);
                    int[] seq = new int[take + (addBos ? 1 : 0)];
                    if (addBos) seq[0] = bos;
                    System.arraycopy(ids, done, seq, addBos ? 1 : 0, take);
                    done += take;
                    InferenceState state = model.newState(seq.length, BATCH);
                    for (int pos = 0; pos < seq.length; pos += BATCH) {
                        int count = Math.min(BATCH, seq.length - pos);
                        model.forward(state, Arrays.copyOfRange(seq, pos, pos + count), count, pos, logits);
                    }
                    progress.printf("\rcalibrating: %d of %d tokens", done, ids.length);
                }
                progress.println();
            }
            return stats;
        }
    }

    private static int[] encode(Tokenizer tokenizer, String text, int tokens) {
        int[] all = tokenizer.encode(text, true, false);
        if (all.length < 2) throw new CanalException("calibration text encodes to " + all.length + " tokens");
        return Arrays.copyOf(all, Math.min(tokens, all.length));
    }
}
