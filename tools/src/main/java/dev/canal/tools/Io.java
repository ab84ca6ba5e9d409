package dev.canal.tools;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * The streams a command uses. stdout carries only a command's result (generated text, ids, a render, a table);
 * notices, statistics and errors go to stderr.
 *
 * @param systemStreams true when these are the process's own stdin/stdout, so the interactive chat may open the
 *                      real terminal; false when a test passes its own streams
 */
record Io(PrintStream out, PrintStream err, InputStream in, boolean systemStreams) {
}
