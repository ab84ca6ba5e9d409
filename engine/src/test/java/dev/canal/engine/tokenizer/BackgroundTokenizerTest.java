package dev.canal.engine.tokenizer;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackgroundTokenizerTest {

    @Test
    void delegatesToTheLoadedTokenizer() {
        HfTokenizer loaded = TokenizerFixtures.get("stories260K");
        BackgroundTokenizer t = BackgroundTokenizer.start("test", () -> loaded);
        assertSame(loaded, t.await());
        assertArrayEquals(loaded.encode("Once upon a time", true, false), t.encode("Once upon a time", true, false));
    }

    @Test
    void aFailedLoadThrowsItsOwnExceptionFromEveryCall() {
        CanalException bad = new CanalException("tokenizer.json: model.vocab is missing");
        BackgroundTokenizer t = BackgroundTokenizer.start("test", () -> {
            throw bad;
        });
        assertSame(bad, assertThrows(CanalException.class, t::await));
        assertSame(bad, assertThrows(CanalException.class, t::vocabSize));
    }

    @Test
    void anInterruptedWaiterStillGetsTheTokenizerAndKeepsItsInterrupt() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        HfTokenizer loaded = TokenizerFixtures.get("stories260K");
        BackgroundTokenizer t = BackgroundTokenizer.start("test", () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return loaded;
        });
        Thread.currentThread().interrupt();
        release.countDown();
        assertSame(loaded, t.await());
        assertTrue(Thread.interrupted(), "the interrupt is restored");
    }
}
