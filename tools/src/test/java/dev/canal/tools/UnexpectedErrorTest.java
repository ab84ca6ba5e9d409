package dev.canal.tools;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bug (not a user error) is one line naming the exception, with the hint to rerun with --verbose. */
class UnexpectedErrorTest {

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("bad state\nsecond line");
        }
    }

    private static String stderrOf(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(new byte[0]), false);
        CommandLine cl = Main.commandLine(io);
        cl.addSubcommand(new Boom());
        Main.configure(cl, io);
        assertEquals(1, cl.execute(args));
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void oneLineWithHint() {
        assertEquals("error: unexpected java.lang.IllegalStateException: bad state (run with --verbose for details)\n",
                stderrOf("boom"));
    }

    @Test
    void verboseShowsTheStackTrace() {
        String err = stderrOf("--verbose", "boom");
        assertTrue(err.startsWith("error: unexpected java.lang.IllegalStateException: bad state\n"), err);
        assertTrue(err.contains("at dev.canal.tools.UnexpectedErrorTest$Boom.call"), err);
    }
}
