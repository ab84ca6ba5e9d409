package dev.canal.engine.backend.cuda.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

class NvccLocatorTest {

    private static Path fakeNvcc(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path nvcc = bin.resolve("nvcc");
        Files.writeString(nvcc, "#!/bin/sh\n");
        Files.setPosixFilePermissions(nvcc, PosixFilePermissions.fromString("rwxr-xr-x"));
        return nvcc;
    }

    @Test
    void overrideThenCudaHomeThenPath(@TempDir Path tmp) throws IOException {
        Path home = fakeNvcc(tmp.resolve("home"));
        Path onPath = fakeNvcc(tmp.resolve("path"));
        Path explicit = fakeNvcc(tmp.resolve("explicit"));
        String path = onPath.getParent().toString();
        assertEquals(Optional.of(explicit), NvccLocator.find(explicit.toString(), tmp.resolve("home").toString(), path).nvcc());
        assertEquals(Optional.of(home), NvccLocator.find("", tmp.resolve("home").toString(), path).nvcc());
        assertEquals(Optional.of(onPath), NvccLocator.find("", null, path).nvcc());
    }

    @Test
    void aMissingOverrideIsNotReplacedByAnotherCompiler(@TempDir Path tmp) throws IOException {
        Path home = fakeNvcc(tmp.resolve("home"));
        NvccLocator.Result r = NvccLocator.find(tmp.resolve("nope").toString(), home.getParent().getParent().toString(), "");
        assertEquals(Optional.empty(), r.nvcc());
        assertTrue(r.searched().startsWith("canal.nvcc="), r.searched());
    }
}
