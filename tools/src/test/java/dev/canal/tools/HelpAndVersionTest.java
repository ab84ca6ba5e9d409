package dev.canal.tools;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelpAndVersionTest {

    @Test
    void versionNamesCanalAndJava() {
        Cli.Result r = Cli.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().matches("(?s)canal \\d+\\.\\d+\\.\\d+\\S*\nJava 2\\d.*"), r.stdout());
    }

    @Test
    void helpListsTheCommands() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.exitCode());
        for (String command : Main.commandLine(new Io(System.out, System.err, System.in, false))
                .getSubcommands().keySet()) {
            assertTrue(r.stdout().contains("\n  " + command + " "), command + " missing in\n" + r.stdout());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : Main.commandLine(new Io(System.out, System.err, System.in, false))
                .getSubcommands().keySet()) {
            Cli.Result r = Cli.run(command, "--help");
            assertEquals(0, r.exitCode(), command);
            assertTrue(r.stdout().startsWith("Usage: canal " + command + " "), r.stdout());
            assertEquals("", r.stderr(), command);
        }
    }
}
