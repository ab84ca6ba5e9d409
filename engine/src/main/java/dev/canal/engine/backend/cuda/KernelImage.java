package dev.canal.engine.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The fatbin of canal's kernels as built into this jar, or why there is none: the build writes
 * {@code kernels-absent.txt} instead when it ran without nvcc, so a CPU-only build says so rather than failing
 * at the first kernel launch.
 */
public final class KernelImage {
    public static final String FATBIN = "/dev/canal/engine/cuda/canal-kernels.fatbin";
    public static final String ABSENT = "/dev/canal/engine/cuda/kernels-absent.txt";

    private KernelImage() {
    }

    /** The fatbin's bytes, empty when this build has none. */
    public static Optional<byte[]> fatbin() {
        return read(FATBIN);
    }

    /** One line: which targets the fatbin carries, or "this build has no kernels: why". */
    public static String status() {
        Optional<byte[]> image = fatbin();
        if (image.isPresent()) {
            StringBuilder s = new StringBuilder("kernels for");
            for (FatbinContainer.Entry e : FatbinContainer.entries(image.get(), FATBIN)) s.append(' ').append(e.target());
            return s.toString();
        }
        String why = read(ABSENT).map(b -> new String(b, StandardCharsets.UTF_8).strip())
                .orElse("the jar has neither the fatbin nor the build's note");
        return "this build has no kernels: " + why;
    }

    private static Optional<byte[]> read(String resource) {
        try (InputStream in = KernelImage.class.getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
