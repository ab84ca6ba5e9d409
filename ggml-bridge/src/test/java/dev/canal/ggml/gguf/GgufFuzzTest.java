package dev.canal.ggml.gguf;

import dev.canal.engine.api.CanalException;
import dev.canal.ggml.quant.GgmlType;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the reader: random byte flips in the header / metadata / tensor-info region,
 * truncations, and count or length fields set to huge or off-by-one values. Every mutant must either parse (and
 * then be fully readable) or fail with a CanalException: never another exception, never a hang, never an
 * allocation sized by a lie. Time-boxed (about 5 s in all); the seed and iteration are in every failure.
 */
class GgufFuzzTest {
    static final long SEED = 0x6767756620L;
    /** A single parse of these small files takes milliseconds; 2 s means a loop the file controls. */
    static final long MAX_PARSE_NANOS = 2_000_000_000L;

    @Test
    void fuzzWrittenFile(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("small.gguf");
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) x[i] = i - 32;
        MemorySegment q = MemorySegment.ofArray(new byte[68]);
        dev.canal.ggml.quant.QuantFormats.of(GgmlType.Q8_0).quantizeRow(x, 0, q, 0, 64);
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putUint32("llama.embedding_length", 64)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(List.of("<unk>", "<s>", "</s>", "a")))
                .putArray("tokenizer.ggml.scores", GgufArray.ofFloats(0, 0, 0, -1))
                .putArray("nested", GgufArray.ofArrays(List.of(GgufArray.ofInts(GgufValueType.INT32, 1, 2))))
                .addTensor("w", GgmlType.Q8_0, new long[] {32, 2}, q)
                .addTensor("v", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new byte[16]))
                .write(p);
        fuzz(Files.readAllBytes(p), "small.gguf", SEED, 1_500, dir);
    }

    @Test
    void fuzzStories260K(@TempDir Path dir) throws Exception {
        Path p = Fixtures.models().resolve("stories260K-gguf/stories260K.gguf");
        fuzz(Files.readAllBytes(p), "stories260K.gguf", SEED + 1, 1_500, dir);
    }

    @Test
    void fuzzVocabFile(@TempDir Path dir) throws Exception {
        Path p = Fixtures.models().resolve("gguf-vocab/ggml-vocab-llama-spm.gguf");
        fuzz(Files.readAllBytes(p), "ggml-vocab-llama-spm.gguf", SEED + 2, 2_000, dir);
    }

    private static void fuzz(byte[] valid, String name, long seed, long millis, Path dir) {
        GgufFile base = GgufFile.parse(MemorySegment.ofArray(valid), name);
        int headerEnd = (int) Math.min(valid.length, base.dataOffset());
        GgufLayoutScan layout = GgufLayoutScan.of(valid);
        Random r = new Random(seed);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int iterations = 0;
            int parsed = 0;
            while (System.nanoTime() < deadline || iterations < 50) {
                byte[] m = valid.clone();
                String what = mutate(m, r, headerEnd, layout);
                if (what.startsWith("truncate")) m = Arrays.copyOf(m, Integer.parseInt(what.substring(9)));
                long t0 = System.nanoTime();
                try {
                    GgufFile g = iterations % 100 == 99 ? openMapped(m, dir) : GgufFile.parse(MemorySegment.ofArray(m), name);
                    touch(g);
                    parsed++;
                } catch (CanalException expected) {
                    assertTrue(expected.getMessage().startsWith(name) || expected.getMessage().contains(".gguf"),
                            expected.getMessage());
                } catch (Throwable t) {
                    fail(name + " seed " + seed + " iteration " + iterations + " (" + what + "): " + t, t);
                }
                long took = System.nanoTime() - t0;
                assertTrue(took < MAX_PARSE_NANOS, name + " iteration " + iterations + " (" + what + ") took " + took / 1e6 + " ms");
                iterations++;
            }
            assertTrue(iterations >= 50 && parsed > 0, name + ": " + iterations + " iterations, " + parsed + " parsed");
        });
    }

    private static GgufFile openMapped(byte[] m, Path dir) throws Exception {
        Path f = dir.resolve("mutant.gguf");
        Files.write(f, m);
        try (GgufFile g = GgufFile.open(f)) {
            touch(g);
            return GgufFile.parse(MemorySegment.ofArray(m), f.toString());
        }
    }

    /** Reads everything a successful parse promises: all values, every tensor's first and last byte. */
    private static void touch(GgufFile g) {
        for (Object v : g.metadata().values()) {
            if (v instanceof List<?> l) for (Object e : l) String.valueOf(e);
        }
        for (GgufTensor t : g.tensors().values()) {
            if (t.byteSize() > 0) {
                t.data().get(ValueLayout.JAVA_BYTE, 0);
                t.data().get(ValueLayout.JAVA_BYTE, t.byteSize() - 1);
            }
        }
    }

    /** Applies one random mutation; returns its description ("truncate N" means: cut to N bytes). */
    private static String mutate(byte[] m, Random r, int headerEnd, GgufLayoutScan layout) {
        switch (r.nextInt(5)) {
            case 0 -> {
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips; i++) m[r.nextInt(headerEnd)] ^= (byte) (1 << r.nextInt(8));
                return flips + " bit flips";
            }
            case 1 -> {
                return "truncate " + r.nextInt(m.length);
            }
            case 2 -> {
                int at = layout.u64Fields.get(r.nextInt(layout.u64Fields.size()));
                long old = get64(m, at);
                long[] lies = {-1L, Long.MAX_VALUE, 1L << 62, 1L << 32, Integer.MAX_VALUE, m.length, m.length + 1L,
                        0, old + 1, old - 1, old * 2, r.nextLong()};
                long v = lies[r.nextInt(lies.length)];
                put64(m, at, v);
                return "u64 at " + at + " = " + v;
            }
            case 3 -> {
                int at = layout.u32Fields.get(r.nextInt(layout.u32Fields.size()));
                int v = r.nextBoolean() ? r.nextInt(50) : r.nextInt();
                put64(m, at, (get64(m, at) & 0xFFFFFFFF00000000L) | (v & 0xFFFFFFFFL));
                return "u32 at " + at + " = " + v;
            }
            default -> {
                for (int i = 0; i < 32; i++) m[r.nextInt(headerEnd)] = (byte) r.nextInt();
                return "32 random bytes";
            }
        }
    }

    private static long get64(byte[] m, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (at + i < m.length ? m[at + i] & 0xFF : 0);
        return v;
    }

    private static void put64(byte[] m, int at, long v) {
        for (int i = 0; i < 8 && at + i < m.length; i++) m[at + i] = (byte) (v >>> (8 * i));
    }
}
