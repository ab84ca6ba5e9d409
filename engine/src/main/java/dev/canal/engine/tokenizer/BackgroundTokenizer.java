package dev.canal.engine.tokenizer;

import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * A tokenizer that loads on its own thread while the caller maps and binds the weights: on a cold JVM a Llama 3
 * tokenizer.json (128K tokens, 280K merges) takes about a second to read, as long as everything else in loading a
 * 1B model together. Every method waits for the load; {@link #await} is where a loader waits on purpose, so that a
 * bad tokenizer file is reported by the load that opened it, exactly as the synchronous load reports it.
 */
public final class BackgroundTokenizer implements Tokenizer {
    private final FutureTask<Tokenizer> load;

    private BackgroundTokenizer(Supplier<Tokenizer> loader) {
        this.load = new FutureTask<>(loader::get);
    }

    /** Starts {@code loader} on a daemon thread named after {@code what}. */
    public static BackgroundTokenizer start(String what, Supplier<Tokenizer> loader) {
        BackgroundTokenizer t = new BackgroundTokenizer(loader);
        Thread.ofPlatform().daemon().name("canal-tokenizer " + what).start(t.load);
        return t;
    }

    /** The loaded tokenizer; rethrows what the load threw (a CanalException for a bad file). */
    public Tokenizer await() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return load.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the load is short and its result is needed: finish waiting
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException("tokenizer load failed", e.getCause());
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    public int vocabSize() {
        return await().vocabSize();
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) {
        return await().encode(text, addSpecialTokens, parseSpecial);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        return await().decode(ids, skipSpecial);
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return await().streamingDecoder(skipSpecial);
    }

    @Override
    public OptionalInt tokenId(String token) {
        return await().tokenId(token);
    }

    @Override
    public String token(int id) {
        return await().token(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return await().isSpecial(id);
    }

    @Override
    public OptionalInt bosId() {
        return await().bosId();
    }

    @Override
    public OptionalInt eosId() {
        return await().eosId();
    }
}
