package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a model directory is written before it exists: a sibling {@code <output>.partial-<random>} that replaces the
 * output only when complete. A failed run, or one stopped by Ctrl-C (a shutdown hook), deletes it, so the output is
 * either the whole model or absent; a directory that was already there is replaced only with {@code force}.
 */
final class StagingDirectory implements AutoCloseable {
    private final Path output;
    private final Path staging;
    private final Thread cleanupOnExit;
    private boolean committed;

    private StagingDirectory(Path output, Path staging) {
        this.output = output;
        this.staging = staging;
        this.cleanupOnExit = new Thread(() -> deleteQuietly(staging), "quantize-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
    }

    /** Refuses an output that is a file, or an existing non-empty directory without {@code force}. */
    static void checkOutput(Path output, boolean force) {
        Path out = output.toAbsolutePath().normalize();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new CanalException(output + ": exists and is not a directory");
        }
        if (Files.exists(out) && !force && !isEmptyDirectory(out)) {
            throw new CanalException(output + ": exists and is not empty (choose a new directory, or --force to "
                    + "replace it)");
        }
    }

    /** Checks the output (see {@link #checkOutput}) and creates the staging directory beside it. */
    static StagingDirectory create(Path output, boolean force) {
        checkOutput(output, force);
        Path out = output.toAbsolutePath().normalize();
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        Path staging = out.resolveSibling(out.getFileName() + ".partial-" + suffix);
        try {
            Files.createDirectories(staging);
        } catch (IOException e) {
            throw new CanalException(staging + ": cannot create (" + e.getMessage() + ")");
        }
        return new StagingDirectory(output, staging);
    }

    Path path() {
        return staging;
    }

    /** Puts the finished directory in place of the output: one rename where the file system can. */
    void commit() {
        Path out = output.toAbsolutePath().normalize();
        Path old = null;
        try {
            if (Files.exists(out)) {
                old = out.resolveSibling(out.getFileName() + ".old-" + staging.getFileName().toString()
                        .substring(staging.getFileName().toString().lastIndexOf('-') + 1));
                Files.move(out, old);
            }
            try {
                Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staging, out);
            }
            committed = true;
        } catch (IOException e) {
            throw new CanalException(output + ": cannot move the finished model into place (" + e.getMessage() + ")");
        } finally {
            if (old != null) deleteQuietly(committed ? old : null);
        }
        if (!committed && old != null) {
            try {
                Files.move(old, out);
            } catch (IOException ignored) {
                // the error above names the output; the old copy stays beside it under its .old- name
            }
        }
    }

    /** Deletes the staging directory unless it became the output. */
    @Override
    public void close() {
        if (!committed) deleteQuietly(staging);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: it deletes the same directory
        }
    }

    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: the error that stopped the run is the one to report
        }
    }
}
