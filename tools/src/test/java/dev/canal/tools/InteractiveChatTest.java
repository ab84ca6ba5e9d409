package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.api.TokenListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code canal run} without --prompt, driven through stdin as a pipe (JLine's dumb terminal). The stories model
 * has no chat template, so each line continues the raw token stream of one session; the expected answers come
 * from the library API doing the same.
 */
class InteractiveChatTest {
    private static final int MAX_TOKENS = 24;
    private static final String FIRST = "Once upon a time";
    private static final String SECOND = "The cat";
    private static String firstAnswer;
    private static String secondAnswer;

    @BeforeAll
    static void expectedAnswers() {
        GenerationOptions greedy = GenerationOptions.defaults().withMaxTokens(MAX_TOKENS)
                .withSampler(SamplerSettings.greedy());
        try (Model model = Canal.load(Fixtures.stories(), LoadOptions.defaults());
             Session session = model.newSession()) {
            firstAnswer = session.complete(FIRST, greedy, TokenListener.NONE).text();
            secondAnswer = session.complete(SECOND, greedy, TokenListener.NONE).text();
        }
        assertFalse(firstAnswer.isEmpty());
        assertFalse(secondAnswer.isEmpty());
    }

    private static Cli.Result chat(String stdin) {
        return Cli.runWithInput(stdin, "run", Fixtures.stories().toString(), "--temperature", "0",
                "--max-tokens", Integer.toString(MAX_TOKENS));
    }

    @Test
    void twoTurnsThenEndOfInput() {
        Cli.Result r = chat(FIRST + "\n" + SECOND + "\n");
        assertEquals(0, r.exitCode(), r.stderr());
        // Only answers on stdout (no prompt on a pipe), each ended by a newline; the second continues the first.
        assertEquals(firstAnswer + "\n" + secondAnswer + "\n", r.stdout());
        assertTrue(r.stderr().contains("no chat template; falling back to plain completion"), r.stderr());
    }

    @Test
    void lastLineWithoutNewlineIsStillAnswered() {
        Cli.Result r = chat(FIRST);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(firstAnswer + "\n", r.stdout());
    }

    @Test
    void clearStartsANewConversation() {
        // After /clear the same line gets the answer of a fresh session, not a continuation.
        Cli.Result r = chat(FIRST + "\n/clear\n" + FIRST + "\n");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(firstAnswer + "\n" + firstAnswer + "\n", r.stdout());
        assertTrue(r.stderr().contains("(conversation cleared)"), r.stderr());
    }

    @Test
    void exitStopsReading() {
        Cli.Result r = chat(FIRST + "\n/exit\n" + SECOND + "\n");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(firstAnswer + "\n", r.stdout());
    }

    @Test
    void helpAndUnknownCommandsGoToStderr() {
        Cli.Result r = chat("/help\n/frob\n\n");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stdout());
        assertTrue(r.stderr().contains("/clear  forget the conversation"), r.stderr());
        assertTrue(r.stderr().contains("unknown command /frob; /help lists the commands"), r.stderr());
    }
}
