package dev.canal.tools;

import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.Session;
import dev.canal.engine.api.StopReason;
import dev.canal.engine.api.TokenListener;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The chat loop of {@code canal run} without --prompt: JLine line editing and history, one {@link Session} for
 * all turns, Ctrl-C cancels the answer in progress (at an empty prompt it quits, like Ctrl-D).
 * <p>
 * Answers go to stdout, each followed by a newline. When stdin is not a terminal (JLine's dumb terminal) no prompt
 * is printed and notices go to stderr, so that stdout holds only the answers; on a terminal, notices are written
 * to it like the prompt.
 */
final class InteractiveChat {
    static final String HELP = """
            /clear  forget the conversation and start a new one
            /exit   quit (also Ctrl-D, or Ctrl-C at an empty prompt)
            /help   this list
            Ctrl-C while an answer is printed stops it.""";

    private final Session session;
    private final GenerationOptions options;
    private final Io io;
    private final boolean plainCompletion;
    private final boolean announceFallback;
    private final String systemPrompt;
    private final boolean verbose;
    /** Where notices go: stderr, or the terminal when there is one. */
    private PrintWriter notes;

    /**
     * @param plainCompletion  continue each line as raw text instead of chatting through the template
     * @param announceFallback say on stderr that the model has no chat template (not when --raw asked for it)
     */
    InteractiveChat(Session session, GenerationOptions options, Io io, boolean plainCompletion,
                    boolean announceFallback, String systemPrompt, boolean verbose) {
        this.session = session;
        this.options = options;
        this.io = io;
        this.plainCompletion = plainCompletion;
        this.announceFallback = announceFallback;
        this.systemPrompt = systemPrompt;
        this.verbose = verbose;
    }

    int run() {
        try (Terminal terminal = openTerminal()) {
            // A pipe (or a test's streams) gets JLine's DumbTerminal: no prompt then, stdout holds only answers.
            boolean dumb = terminal instanceof DumbTerminal;
            // On a real terminal, notices go where the prompt goes: through the launcher, stderr is a pipe that
            // could deliver them after the next prompt.
            notes = dumb ? new PrintWriter(io.err(), true, StandardCharsets.UTF_8) : terminal.writer();
            if (announceFallback) {
                note("note: the model has no chat template; falling back to plain completion: each line is"
                        + " continued as raw text");
            }
            if (systemPrompt != null) {
                if (plainCompletion) note("warning: --system is ignored without a chat template");
                else session.setSystemPrompt(systemPrompt);
            }
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("canal").build();
            if (!dumb) note("/help lists the commands; Ctrl-D quits.");
            String prompt = dumb ? "" : "> ";
            boolean more = true;
            while (more) {
                String line;
                try {
                    line = reader.readLine(prompt);
                } catch (EndOfFileException e) {
                    // Piped input whose last line has no newline still gets its answer.
                    line = e.getPartialLine();
                    more = false;
                    if (line == null) break;
                } catch (UserInterruptException e) {
                    if (e.getPartialLine() == null || e.getPartialLine().isBlank()) break;
                    continue;
                }
                String trimmed = line.strip();
                if (trimmed.isEmpty()) continue;
                if (trimmed.startsWith("/")) {
                    more &= command(trimmed);
                    continue;
                }
                answer(line, terminal);
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal: " + e.getMessage(), e);
        }
    }

    private void note(String text) {
        notes.println(text);
        notes.flush();
    }

    /** Runs a slash command; false when the chat should end. */
    private boolean command(String text) {
        switch (text) {
            case "/exit", "/quit" -> {
                return false;
            }
            case "/clear" -> {
                session.reset();
                note("(conversation cleared)");
            }
            case "/help" -> note(HELP);
            default -> note("unknown command " + text.split("\\s+")[0] + "; /help lists the commands");
        }
        return true;
    }

    private void answer(String line, Terminal terminal) {
        TokenListener print = piece -> {
            io.out().print(piece);
            io.out().flush();
        };
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> session.cancel());
        Generation g;
        try {
            g = plainCompletion ? session.complete(line, options, print) : session.chat(line, options, print);
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
        }
        io.out().print("\n");
        io.out().flush();
        if (g.stopReason() == StopReason.CANCELLED) note("(stopped)");
        if (g.stopReason() == StopReason.CONTEXT_FULL) {
            note("(the context is full: " + session.contextUsed() + " of " + session.contextLength()
                    + " positions; /clear starts over)");
        }
        if (verbose) {
            note(Stats.prompt(g));
            note(Stats.generated(g));
        }
    }

    private Terminal openTerminal() throws IOException {
        if (io.systemStreams()) {
            // dumb(true): a pipe gets a dumb terminal without JLine's "unable to create a system terminal" warning.
            return TerminalBuilder.builder().system(true).dumb(true).name("canal")
                    .encoding(StandardCharsets.UTF_8).build();
        }
        return new DumbTerminal("canal", Terminal.TYPE_DUMB, io.in(), io.out(), StandardCharsets.UTF_8);
    }
}
