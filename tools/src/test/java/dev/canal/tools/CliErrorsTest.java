package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User mistakes end in one "error: " line on stderr and exit code 1 (bad input) or 2 (bad usage). */
class CliErrorsTest {

    /** One line, prefixed, naming what is wrong, and no Java internals. */
    private static String oneErrorLine(Cli.Result r) {
        assertEquals(1, r.stderrLines().size(), () -> "expected one stderr line, got:\n" + r.stderr());
        String line = r.stderrLines().getFirst();
        assertTrue(line.startsWith("error: "), line);
        assertFalse(r.stderr().contains("Exception"), r.stderr());
        assertFalse(r.stderr().contains("at dev.canal"), r.stderr());
        assertFalse(r.stderr().contains("at picocli"), r.stderr());
        assertEquals(0, r.stdoutBytes().length, r.stdout());
        return line;
    }

    @Test
    void missingModelDirectory(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-model");
        Cli.Result r = Cli.run("run", missing.toString(), "--prompt", "hi");
        assertEquals(1, r.exitCode());
        assertEquals("error: " + missing + ": no such directory", oneErrorLine(r));
    }

    @Test
    void modelPathThatIsAFile(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("model.txt"), "x");
        Cli.Result r = Cli.run("run", file.toString(), "--prompt", "hi");
        assertEquals(1, r.exitCode());
        assertEquals("error: " + file + ": not a directory (expected a model directory)", oneErrorLine(r));
    }

    @Test
    void directoryWithoutConfigJson(@TempDir Path tmp) {
        Cli.Result r = Cli.run("run", tmp.toString(), "--prompt", "hi");
        assertEquals(1, r.exitCode());
        String line = oneErrorLine(r);
        assertTrue(line.contains("config.json"), line);
    }

    @Test
    void negativeTemperatureIsAUsageError() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--temperature", "-1", "--prompt", "hi");
        assertEquals(2, r.exitCode());
        String line = oneErrorLine(r);
        assertTrue(line.contains("temperature must be ≥ 0, got -1.0"), line);
        assertTrue(line.contains("canal run --help"), line);
    }

    @Test
    void nonNumericValueIsAUsageError() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--max-tokens", "many");
        assertEquals(2, r.exitCode());
        String line = oneErrorLine(r);
        assertTrue(line.contains("--max-tokens") && line.contains("many"), line);
    }

    @Test
    void outOfRangeTopPIsAUsageError() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--top-p", "1.5", "--prompt", "hi");
        assertEquals(2, r.exitCode());
        assertTrue(oneErrorLine(r).contains("top-p must be in (0, 1], got 1.5"), r.stderr());
    }

    @Test
    void unknownSubcommand() {
        Cli.Result r = Cli.run("frobnicate", "x");
        assertEquals(2, r.exitCode());
        String line = oneErrorLine(r);
        assertTrue(line.startsWith("error: unknown command 'frobnicate' (commands: run"), line);
    }

    @Test
    void unknownOption() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--temprature", "0");
        assertEquals(2, r.exitCode());
        assertTrue(oneErrorLine(r).contains("--temprature"), r.stderr());
    }

    @Test
    void missingModelArgument() {
        Cli.Result r = Cli.run("run", "--prompt", "hi");
        assertEquals(2, r.exitCode());
        assertTrue(oneErrorLine(r).contains("<model-dir>"), r.stderr());
    }

    @Test
    void noCommandPrintsUsageAndFails() {
        Cli.Result r = Cli.run();
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().startsWith("Usage: canal"), r.stderr());
        assertEquals(0, r.stdoutBytes().length);
    }

    @Test
    void verboseAddsTheStackTrace(@TempDir Path tmp) {
        Cli.Result r = Cli.run("--verbose", "run", tmp.resolve("missing").toString(), "--prompt", "hi");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().startsWith("error: "), r.stderr());
        assertTrue(r.stderr().contains("at dev.canal.tools"), r.stderr());
    }
}
