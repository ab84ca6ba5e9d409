package dev.canal.tools;

import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.Session;
import dev.canal.engine.api.StopReason;
import dev.canal.engine.api.TokenListener;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat loop's handling of lines and commands, against a session that records its calls and answers
 * "&lt;line&gt;" (InteractiveChatTest runs the same loop on the real model).
 */
class ChatLoopTest {

    /** Records calls; answers each message with it in angle brackets, streamed in two pieces. */
    private static final class RecordingSession implements Session {
        final List<String> calls = new ArrayList<>();
        StopReason stopReason = StopReason.EOS;

        private Generation answer(String kind, String text, TokenListener listener) {
            calls.add(kind + ":" + text);
            listener.onText("<");
            listener.onText(text + ">");
            return new Generation("<" + text + ">", new int[] {7, 8}, 3, stopReason, 1_000, 2_000);
        }

        @Override
        public Generation complete(String prompt, GenerationOptions options, TokenListener listener) {
            return answer("complete", prompt, listener);
        }

        @Override
        public Generation chat(String userMessage, GenerationOptions options, TokenListener listener) {
            return answer("chat", userMessage, listener);
        }

        @Override
        public void setSystemPrompt(String systemPrompt) {
            calls.add("system:" + systemPrompt);
        }

        @Override
        public void reset() {
            calls.add("reset");
        }

        @Override
        public void cancel() {
            calls.add("cancel");
        }

        @Override
        public int contextUsed() {
            return 10;
        }

        @Override
        public int contextLength() {
            return 10;
        }

        @Override
        public void close() {
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run chat(RecordingSession session, String stdin, boolean plain, boolean announce, String system) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), false);
        int code = new InteractiveChat(session, GenerationOptions.defaults(), io, plain, announce, system, false).run();
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void chatTurnsWithSystemPromptAndClear() {
        RecordingSession s = new RecordingSession();
        Run r = chat(s, "hello\n\n   \n/clear\nagain\n", false, false, "be brief");
        assertEquals(0, r.exitCode());
        assertEquals(List.of("system:be brief", "chat:hello", "reset", "chat:again"), s.calls);
        assertEquals("<hello>\n<again>\n", r.out());
        assertTrue(r.err().contains("(conversation cleared)"), r.err());
        assertFalse(r.err().contains("no chat template"), r.err());
    }

    @Test
    void plainCompletionFallbackIsAnnouncedAndUsesComplete() {
        RecordingSession s = new RecordingSession();
        Run r = chat(s, "Once upon\nthere was\n", true, true, "ignored");
        assertEquals(List.of("complete:Once upon", "complete:there was"), s.calls);
        assertEquals("<Once upon>\n<there was>\n", r.out());
        assertTrue(r.err().startsWith("note: the model has no chat template; falling back to plain completion"),
                r.err());
        assertTrue(r.err().contains("warning: --system is ignored without a chat template"), r.err());
    }

    @Test
    void rawAsRequestedIsNotAnnounced() {
        RecordingSession s = new RecordingSession();
        Run r = chat(s, "x\n", true, false, null);
        assertEquals("", r.err());
        assertEquals("<x>\n", r.out());
    }

    @Test
    void lastLineWithoutNewlineIsAnswered() {
        RecordingSession s = new RecordingSession();
        Run r = chat(s, "a\nb", false, false, null);
        assertEquals(List.of("chat:a", "chat:b"), s.calls);
        assertEquals("<a>\n<b>\n", r.out());
    }

    @Test
    void exitAndQuitEndTheLoop() {
        for (String command : List.of("/exit", "  /quit  ")) {
            RecordingSession s = new RecordingSession();
            Run r = chat(s, "a\n" + command + "\nb\n", false, false, null);
            assertEquals(0, r.exitCode());
            assertEquals(List.of("chat:a"), s.calls, command);
        }
    }

    @Test
    void stoppedAndFullContextAreReported() {
        RecordingSession s = new RecordingSession();
        s.stopReason = StopReason.CANCELLED;
        assertTrue(chat(s, "a\n", false, false, null).err().contains("(stopped)"));
        s.stopReason = StopReason.CONTEXT_FULL;
        assertTrue(chat(s, "a\n", false, false, null).err()
                .contains("(the context is full: 10 of 10 positions; /clear starts over)"));
    }

    @Test
    void unknownSlashCommandIsNotSentToTheModel() {
        RecordingSession s = new RecordingSession();
        Run r = chat(s, "/model foo\n/help\n", false, false, null);
        assertEquals(List.of(), s.calls);
        assertTrue(r.err().contains("unknown command /model; /help lists the commands"), r.err());
        assertTrue(r.err().contains("/exit   quit"), r.err());
    }

    @Test
    void unicodeLinesPassThroughUnchanged() {
        RecordingSession s = new RecordingSession();
        Run r = chat(s, "héllo wörld 你好 😀\n", false, false, null);
        assertEquals(List.of("chat:héllo wörld 你好 😀"), s.calls);
        assertEquals("<héllo wörld 你好 😀>\n", r.out());
    }
}
