package dev.canal.ggml.convert;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.ggml.gguf.GgufTensorNames;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.ggml.quant.GgmlType;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a Hugging Face model directory (config.json, safetensors, tokenizer.json) to a GGUF v3 file llama.cpp
 * loads. Everything that can be refused is checked before output is written (architecture, quantized input,
 * tensor names, tokenizer); tensor data is then streamed one row at a time into {@code <output>.partial}, which is
 * moved onto {@code output} only when complete.
 */
public final class HfToGgufConverter {
    /** ggml's GGML_QNT_VERSION: the block layouts of the quant types written. */
    static final int QUANTIZATION_VERSION = 2;

    private final TargetType type;
    private final PrintStream progress;

    /**
     * @param progress where per-tensor progress lines go (stderr in the CLI)
     */
    public HfToGgufConverter(TargetType type, PrintStream progress) {
        this.type = type;
        this.progress = progress;
    }

    /** One tensor to write: where it comes from and how. */
    private record Planned(String ggufName, Tensor source, GgmlType type, long[] ne, QkPermutation permutation) {
    }

    /** A summary of a finished conversion. */
    public record Result(Path output, int tensors, long bytes, String architecture) {
    }

    public Result convert(Path modelDir, Path output) {
        if (!Files.isDirectory(modelDir)) throw new CanalException(modelDir + ": no such model directory");
        ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
        GgufArchitecture arch = GgufArchitecture.of(config);
        try (SafetensorsStore store = SafetensorsStore.open(modelDir)) {
            UnquantizedInput.check(config, store);
            List<Planned> plan = plan(config, arch, store);
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", arch.ggufName());
            w.putString("general.type", "model");
            w.putString("general.name", modelName(modelDir));
            arch.writeHyperparameters(config, w);
            w.putUint32("general.file_type", type.fileType());
            w.putUint32("general.quantization_version", QUANTIZATION_VERSION);
            GgufVocabulary.write(modelDir, config, w);
            int tensors = plan.size();
            if (arch == GgufArchitecture.LLAMA && config.ropeScaling() != null
                    && config.ropeScaling().type().equals("llama3")) {
                float[] f = Llama3RopeFactors.compute(config);
                MemorySegment bytes = MemorySegment.ofArray(new byte[4 * f.length]);
                for (int i = 0; i < f.length; i++) bytes.set(Floats.F32_LE, 4L * i, f[i]); // GGUF is little-endian
                w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {f.length}, bytes);
                tensors++;
            }
            int[] done = {0};
            for (Planned p : plan) {
                RowEncoder encoder = new RowEncoder(p.source(), p.type(), p.permutation());
                w.addTensor(p.ggufName(), p.type(), p.ne(), out -> {
                    progress.printf("[%d/%d] %-28s %-5s %s → %s%s%n", ++done[0], plan.size(), p.ggufName(),
                            p.source().dtype(), p.source().shapeString(), p.type(),
                            p.permutation() != null ? " (q/k rows permuted)" : "");
                    encoder.writeTo(out);
                });
            }
            return write(w, output, arch, tensors);
        }
    }

    private Result write(GgufWriter w, Path output, GgufArchitecture arch, int tensors) {
        Path absolute = output.toAbsolutePath();
        Path partial = absolute.resolveSibling(absolute.getFileName() + ".partial");
        try {
            if (absolute.getParent() != null) Files.createDirectories(absolute.getParent());
            w.write(partial);
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long bytes = Files.size(absolute);
            progress.printf("wrote %s (%s, %d tensors, %.1f MB)%n", output, type.cliName(), tensors, bytes / 1e6);
            return new Result(output, tensors, bytes, arch.ggufName());
        } catch (IOException e) {
            throw new CanalException(output + ": cannot write: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the result (or the original failure) is what matters
            }
        }
    }

    /** Maps and checks every tensor before anything is written. */
    private List<Planned> plan(ModelConfig config, GgufArchitecture arch, SafetensorsStore store) {
        List<Planned> plan = new ArrayList<>();
        for (Tensor t : store.tensors().values()) {
            if (ConvertedTensors.skipped(t.name())) continue;
            String name = GgufTensorNames.toGguf(t.name()).orElseThrow(() -> new CanalException(store.source()
                    + ": tensor " + t.name() + " has no GGUF name (not a Llama/Qwen2/Qwen3 tensor)"));
            long[] shape = t.shape();
            if (shape.length < 1 || shape.length > 2) {
                throw new CanalException(store.source() + ": tensor " + t.name() + " has shape " + t.shapeString()
                        + ", expected 1 or 2 dimensions");
            }
            long[] ne = reversed(shape);
            QkPermutation perm = null;
            int heads = ConvertedTensors.permutationHeads(t.name(), config.numAttentionHeads(), config.numKeyValueHeads());
            if (arch.permutesQk() && heads > 0) perm = new QkPermutation(t.name(), shape[0], heads);
            plan.add(new Planned(name, t, type.typeFor(ne), ne, perm));
        }
        plan.sort((a, b) -> Integer.compare(order(a.ggufName()), order(b.ggufName())));
        if (plan.stream().noneMatch(p -> p.ggufName().equals("token_embd.weight"))) {
            throw new CanalException(store.source() + ": no model.embed_tokens.weight");
        }
        return plan;
    }

    /** token_embd first, then blocks in order, then output_norm and output, as convert_hf_to_gguf.py lays them out. */
    private static int order(String ggufName) {
        if (ggufName.startsWith("token_embd")) return -1;
        if (ggufName.startsWith("blk.")) return Integer.parseInt(ggufName.substring(4, ggufName.indexOf('.', 4)));
        return Integer.MAX_VALUE;
    }

    private static long[] reversed(long[] shape) {
        long[] ne = new long[shape.length];
        for (int i = 0; i < shape.length; i++) ne[i] = shape[shape.length - 1 - i];
        return ne;
    }

    private static String modelName(Path dir) {
        Path n = dir.toAbsolutePath().normalize().getFileName();
        return n == null ? "model" : n.toString();
    }

    /** The default output file: {@code <model-dir-name>-<TYPE>.gguf} in the current directory. */
    public static Path defaultOutput(Path modelDir, TargetType type) {
        return Path.of(modelName(modelDir) + "-" + type.ggmlType().name() + ".gguf");
    }
}
