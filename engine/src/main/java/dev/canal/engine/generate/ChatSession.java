package dev.canal.engine.generate;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.Session;
import dev.canal.engine.api.StopReason;
import dev.canal.engine.api.TokenListener;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.engine.tokenizer.StreamingDecoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A conversation over one KV cache. {@code cached[0..used)} are the tokens whose keys and values the cache holds;
 * a new prompt reuses the longest common prefix with them and processes only the rest, which is how multi-turn
 * chat keeps its context without re-reading the whole conversation.
 */
final class ChatSession implements Session {
    private final LoadedModel model;
    private final InferenceState state;
    private final float[] logits;
    private final List<Map<String, Object>> messages = new ArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private int[] cached;
    private int used;
    /** A generated token the cache has not processed yet (generation ended right after sampling it), or -1. */
    private int pendingToken = -1;
    private String systemPrompt;

    ChatSession(LoadedModel model) {
        this.model = model;
        this.state = model.decoder.newState(model.contextLength, model.batchSize);
        this.logits = new float[model.decoder.config().vocabSize()];
        this.cached = new int[model.contextLength];
    }

    @Override
    public Generation complete(String prompt, GenerationOptions options, TokenListener listener) {
        boolean fresh = used == 0;
        int[] tokens = model.tokenizer.encode(prompt, fresh, true);
        if (tokens.length == 0 && fresh) {
            throw new CanalException("empty prompt: this tokenizer adds no BOS token, so there is nothing to start from");
        }
        int prefix = used + (pendingToken >= 0 ? 1 : 0);
        int[] all = Arrays.copyOf(cached, prefix + tokens.length);
        if (pendingToken >= 0) all[used] = pendingToken;
        System.arraycopy(tokens, 0, all, prefix, tokens.length);
        return generate(all, options, listener);
    }

    @Override
    public Generation chat(String userMessage, GenerationOptions options, TokenListener listener) {
        ChatTemplate template = model.template.orElseThrow(() -> new CanalException(
                "this model has no chat template (tokenizer_config.json has no chat_template): use raw completion"));
        messages.add(message("user", userMessage));
        List<Map<String, Object>> conversation = new ArrayList<>();
        if (systemPrompt != null && !systemPrompt.isEmpty()) conversation.add(message("system", systemPrompt));
        conversation.addAll(messages);
        String rendered = template.render(conversation, null, true, Map.of());
        int[] tokens = model.tokenizer.encode(rendered, false, true);
        Generation g;
        try {
            g = generate(tokens, options, listener);
        } catch (RuntimeException e) {
            messages.removeLast();
            throw e;
        }
        messages.add(message("assistant", g.text()));
        return g;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** Brings the cache to {@code prompt} (reusing the common prefix), then samples until a stop condition. */
    private Generation generate(int[] prompt, GenerationOptions options, TokenListener listener) {
        cancelled.set(false);
        pendingToken = -1;
        int capacity = model.contextLength;
        if (prompt.length >= capacity) {
            throw new CanalException("the prompt has " + prompt.length + " tokens but the context holds " + capacity
                    + ": shorten it or raise the context size");
        }
        int reuse = commonPrefix(prompt);
        if (reuse == prompt.length) reuse--; // the last prompt token must run again to produce logits
        Sampler sampler = new Sampler(options.sampler(), logits.length);
        NextTokenLogits next = new NextTokenLogits(model.decoder, state, sampler, logits);
        long t0 = System.nanoTime();
        for (int pos = reuse; pos < prompt.length; ) {
            int n = Math.min(model.batchSize, prompt.length - pos);
            int[] chunk = Arrays.copyOfRange(prompt, pos, pos + n);
            next.forward(chunk, n, pos);
            System.arraycopy(chunk, 0, cached, pos, n);
            pos += n;
            used = pos;
        }
        long promptNanos = System.nanoTime() - t0;
        int promptTokens = prompt.length - reuse;

        StreamingDecoder decoder = model.tokenizer.streamingDecoder(true);
        decoder.skip(cached, used); // context for spacing; its text is not output
        StopStrings stops = new StopStrings(options.stopStrings());
        StringBuilder text = new StringBuilder();
        int[] generated = new int[Math.max(1, options.maxTokens())];
        int count = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        int[] one = new int[1];
        long t1 = System.nanoTime();
        while (count < options.maxTokens()) {
            if (cancelled.get()) {
                reason = StopReason.CANCELLED;
                break;
            }
            int token = next.sample(cached, used);
            if (model.eosIds.contains(token)) {
                reason = StopReason.EOS;
                break;
            }
            generated[count++] = token;
            String piece = stops.push(decoder.push(token));
            emit(piece, text, listener);
            if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (count == options.maxTokens()) break;
            if (used == capacity) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            one[0] = token;
            next.forward(one, 1, used);
            cached[used++] = token;
        }
        if (count > 0 && reason != StopReason.CANCELLED && reason != StopReason.EOS) {
            pendingToken = generated[count - 1];
        }
        if (!stops.stopped()) emit(stops.push(decoder.flush()) + stops.flush(), text, listener);
        long genNanos = System.nanoTime() - t1;
        return new Generation(text.toString(), Arrays.copyOf(generated, count), promptTokens, reason, promptNanos,
                genNanos);
    }

    private static void emit(String piece, StringBuilder text, TokenListener listener) {
        if (piece.isEmpty()) return;
        text.append(piece);
        listener.onText(piece);
    }

    private int commonPrefix(int[] prompt) {
        int n = Math.min(used, prompt.length);
        int i = 0;
        while (i < n && cached[i] == prompt[i]) i++;
        return i;
    }

    @Override
    public void setSystemPrompt(String systemPrompt) {
        this.systemPrompt = systemPrompt;
    }

    @Override
    public void reset() {
        messages.clear();
        used = 0;
        pendingToken = -1;
    }

    @Override
    public void cancel() {
        cancelled.set(true);
    }

    @Override
    public int contextUsed() {
        return used;
    }

    @Override
    public int contextLength() {
        return model.contextLength;
    }

    @Override
    public void close() {
        used = 0;
    }
}
