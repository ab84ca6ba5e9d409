package dev.canal.ggml.convert;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tokenizer.HfTokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * tokenizer.ggml.pre for a byte-level BPE tokenizer, identified as convert_hf_to_gguf.py identifies it: encode a
 * fixed probe text (with special tokens, as {@code AutoTokenizer.encode} does), hash Python's {@code str()} of the
 * id list with SHA-256, and look the hash up (retrying with BOS put back, see {@link #identify}). canal's HfTokenizer reproduces transformers' encodings, so the hashes
 * are the ones llama.cpp lists. An unknown hash is refused: a wrong pre-tokenizer would silently mis-tokenize.
 */
final class PreTokenizerName {
    /** convert_hf_to_gguf.py's chktxt, character for character. */
    static final String PROBE = "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis "
            + "concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 "
            + "?我想在apple工作1314151天～ ------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? "
            + "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL";

    /** Hashes of the byte-level BPE families canal converts (from llama.cpp's list; ref: the model named). */
    private static final Map<String, String> KNOWN = Map.of(
            // meta-llama/Meta-Llama-3-8B (Llama 3, 3.1, 3.2)
            "0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5", "llama-bpe",
            // Qwen/Qwen1.5-7B (the Qwen2, Qwen2.5 and Qwen3 tokenizers encode the probe identically)
            "e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea", "qwen2",
            // deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B
            "b3f499bb4255f8ca19fccd664443283318f2fd2414d5e0b040fbdd0cc195d6c5", "deepseek-r1-qwen",
            // HuggingFaceTB/SmolLM-135M
            "855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249", "smollm",
            // mistralai/Mistral-Nemo-Base-2407
            "63b97e4253352e6f357cc59ea5b583e3a680eaeaf2632188c2b952de2588485e", "tekken",
            // openai-community/gpt2
            "3ce83efda5659b07b1ad37ca97ca5797ea4285d9b9ab0dc679e4a720c9da7454", "gpt-2");

    private PreTokenizerName() {
    }

    static String identify(Path tokenizerJson) {
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerJson);
        int[] ids = tokenizer.encode(PROBE, true, true);
        String hash = hash(ids);
        String name = KNOWN.get(hash);
        if (name == null && tokenizer.bosId().isPresent() && (ids.length == 0 || ids[0] != tokenizer.bosId().getAsInt())) {
            // The hash identifies the pre-tokenizer, but it also covers BOS: a Llama 3 tokenizer.json whose
            // post-processor lost its BOS template (add_bos_token records that separately) hashes like llama.cpp's
            // entry only with the BOS put back.
            int[] withBos = new int[ids.length + 1];
            withBos[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            name = KNOWN.get(hash(withBos));
        }
        if (name == null) {
            throw new CanalException(tokenizerJson + ": unknown byte-level BPE pre-tokenizer (probe hash " + hash
                    + "); known: llama-bpe, qwen2, deepseek-r1-qwen, smollm, tekken, gpt-2");
        }
        return name;
    }

    /** SHA-256 of Python's str() of the probe's ids: "[128000, 198, 4815]". */
    static String hash(HfTokenizer tokenizer) {
        return hash(tokenizer.encode(PROBE, true, true));
    }

    private static String hash(int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(ids[i]);
        }
        sb.append(']');
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
