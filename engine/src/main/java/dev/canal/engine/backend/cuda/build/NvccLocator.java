package dev.canal.engine.backend.cuda.build;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds nvcc for the kernel build: an explicit path (the {@code canal.nvcc} build property) wins, then
 * {@code $CUDA_HOME/bin}, then {@code PATH}, then the toolkit's default {@code /usr/local/cuda/bin}.
 */
final class NvccLocator {
    /** The nvcc found, or what was searched. */
    record Result(Optional<Path> nvcc, String searched) { }

    private NvccLocator() {
    }

    static Result find(String override, String cudaHome, String path) {
        List<String> searched = new ArrayList<>();
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            return new Result(Files.isExecutable(p) ? Optional.of(p) : Optional.empty(), "canal.nvcc=" + override);
        }
        List<Path> candidates = new ArrayList<>();
        if (cudaHome != null && !cudaHome.isBlank()) {
            candidates.add(Path.of(cudaHome, "bin", "nvcc"));
            searched.add("$CUDA_HOME/bin");
        }
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) candidates.add(Path.of(dir, "nvcc"));
            }
            searched.add("PATH");
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        searched.add("/usr/local/cuda/bin");
        for (Path p : candidates) {
            if (Files.isExecutable(p)) return new Result(Optional.of(p), String.join(", ", searched));
        }
        return new Result(Optional.empty(), String.join(", ", searched));
    }
}
