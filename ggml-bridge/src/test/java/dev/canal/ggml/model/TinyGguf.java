package dev.canal.ggml.model;

import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.ggml.quant.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Small synthetic GGUF files for metadata and error cases: hyperparameters only, tensors as a test adds them. */
final class TinyGguf {
    private TinyGguf() {
    }

    /** The keys llama.cpp requires of an architecture, with small values, and a vocabulary size. */
    static GgufWriter base(String arch) {
        return withoutVocabSize(arch).putUint32(arch + ".vocab_size", 100);
    }

    /** As {@link #base} without {arch}.vocab_size (a file would then give it as its tokens or token_embd rows). */
    static GgufWriter withoutVocabSize(String arch) {
        String p = arch + ".";
        return new GgufWriter()
                .putString("general.architecture", arch)
                .putUint32(p + "context_length", 256)
                .putUint32(p + "embedding_length", 64)
                .putUint32(p + "block_count", 2)
                .putUint32(p + "feed_forward_length", 128)
                .putUint32(p + "attention.head_count", 4)
                .putUint32(p + "attention.head_count_kv", 2)
                .putFloat32(p + "attention.layer_norm_rms_epsilon", 1e-6f);
    }

    /** A zero-filled tensor of the right byte size for its type and ggml dimensions. */
    static void zeros(GgufWriter w, String name, GgmlType type, long... ne) {
        long n = 1;
        for (long d : ne) n *= d;
        long bytes = n / type.blockSize() * type.bytesPerBlock();
        w.addTensor(name, type, ne, MemorySegment.ofArray(new byte[Math.toIntExact(bytes)]));
    }

    static Path write(Path dir, String name, GgufWriter w) {
        Path file = dir.resolve(name);
        w.write(file);
        return file;
    }

    /** Writes the file and hands it to {@code check} open. */
    static void withFile(Path dir, GgufWriter w, Consumer<GgufFile> check) {
        Path file = write(dir, "tiny.gguf", w);
        try (Arena arena = Arena.ofConfined()) {
            check.accept(GgufFile.open(file, arena));
        }
    }
}
