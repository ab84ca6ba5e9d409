package dev.canal.engine.weights;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of the fixture's length field and JSON header, and truncations: opening must either succeed
 * (with every tensor readable at both ends) or throw CanalException, never any other exception.
 */
class SafetensorsFuzzTest {

    private static final long SEED = 20261122L;
    private static final int ITERATIONS = 2000;
    private static final long TIME_BUDGET_NANOS = 5_000_000_000L;
    /** Bytes that steer mutations toward JSON structure and numbers, where the validation lives. */
    private static final byte[] INTERESTING = "0123456789-.\"{}[],: eE".getBytes();

    @TempDir
    Path tmp;

    @Test
    void mutatedHeadersFailCleanly() throws IOException {
        byte[] original = Files.readAllBytes(Fixtures.model("stories260K-hf-derived").resolve("model.safetensors"));
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Path mutated = tmp.resolve("mutated.safetensors");
        Files.write(mutated, original);
        Path truncated = tmp.resolve("truncated.safetensors");

        Random rnd = new Random(SEED);
        int opened = 0, refused = 0;
        long start = System.nanoTime();
        for (int i = 0; i < ITERATIONS && System.nanoTime() - start < TIME_BUDGET_NANOS; i++) {
            Path target;
            String what;
            if (rnd.nextInt(10) == 0) {
                int length = cutPoint(rnd, headerEnd, original.length);
                Files.write(truncated, Arrays.copyOf(original, length));
                target = truncated;
                what = "truncated to " + length;
            } else {
                // Mutate in place and undo afterwards: rewriting the 1 MB file each time would dominate the run.
                int count = 1 + rnd.nextInt(4);
                int[] positions = new int[count];
                byte[] values = new byte[count];
                for (int k = 0; k < count; k++) {
                    positions[k] = rnd.nextInt(headerEnd);
                    values[k] = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : (byte) rnd.nextInt(256);
                }
                poke(mutated, positions, values);
                target = mutated;
                what = "bytes " + Arrays.toString(positions) + " set to " + Arrays.toString(values);
                if (tryOpen(target, i, what)) opened++; else refused++;
                restore(mutated, positions, original);
                continue;
            }
            if (tryOpen(target, i, what)) opened++; else refused++;
        }
        assertTrue(refused > 100, "mutations should mostly be refused: opened " + opened + ", refused " + refused);
    }

    /** A cut anywhere, biased toward the header where the interesting boundaries are. */
    private static int cutPoint(Random rnd, int headerEnd, int size) {
        return switch (rnd.nextInt(3)) {
            case 0 -> rnd.nextInt(Math.min(16, size));
            case 1 -> rnd.nextInt(headerEnd + 1);
            default -> headerEnd + rnd.nextInt(size - headerEnd);
        };
    }

    /** True when the file opened (and all tensors read), false when refused with CanalException. */
    private static boolean tryOpen(Path file, int iteration, String what) {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(file, arena);
            for (Tensor t : f.tensors().values()) {
                if (!t.dtype().isDenseFloat() || t.elementCount() == 0) continue;
                Floats.get(t, 0);
                Floats.get(t, t.elementCount() - 1);
            }
            return true;
        } catch (CanalException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith(file + ": ")) {
                fail("iteration " + iteration + " (" + what + "): message does not name the file: " + e.getMessage());
            }
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("iteration " + iteration + " (" + what + "): " + e, e);
        }
    }

    private static void poke(Path file, int[] positions, byte[] values) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int k = 0; k < positions.length; k++) ch.write(ByteBuffer.wrap(new byte[]{values[k]}), positions[k]);
        }
    }

    private static void restore(Path file, int[] positions, byte[] original) throws IOException {
        byte[] values = new byte[positions.length];
        for (int k = 0; k < positions.length; k++) values[k] = original[positions[k]];
        poke(file, positions, values);
    }
}
