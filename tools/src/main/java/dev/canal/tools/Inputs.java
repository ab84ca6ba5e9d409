package dev.canal.tools;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of path arguments, so that a typo gets a message naming the path instead of an engine failure. */
final class Inputs {
    private Inputs() {
    }

    static Path existingDirectory(Path dir) {
        if (Files.isDirectory(dir)) return dir;
        if (Files.exists(dir)) throw new UserError(dir + ": not a directory (expected a model directory)");
        throw new UserError(dir + ": no such directory");
    }

    /**
     * The file an argument names: the argument itself when it is a file, else {@code fileName} inside the
     * directory it names.
     */
    static Path fileOrFileInDirectory(Path path, String fileName) {
        if (Files.isDirectory(path)) {
            Path file = path.resolve(fileName);
            if (!Files.isRegularFile(file)) throw new UserError(path + ": no " + fileName + " in this directory");
            return file;
        }
        if (Files.isRegularFile(path)) return path;
        throw new UserError(path + ": no such file or directory");
    }

    static Path existingFile(Path file) {
        if (Files.isRegularFile(file)) return file;
        if (Files.isDirectory(file)) throw new UserError(file + ": is a directory, expected a file");
        throw new UserError(file + ": no such file");
    }
}
