package dev.canal.ggml.vocab;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The word-splitting regexes of each tokenizer.ggml.pre value, as llama.cpp's llm_tokenizer_bpe applies them: one
 * after the other, each splitting the pieces of the previous one and keeping both the matches and the text between
 * them (a Split with behavior Isolated in tokenizer.json terms). Also the per-pre settings llama.cpp attaches.
 */
final class PreTokenizerRegexes {

    /**
     * @param regexes      applied in order
     * @param ignoreMerges a word that is a whole vocabulary token is taken as is (Llama 3)
     * @param addBos       llama.cpp's default for add_bos_token
     * @param cleanSpaces  llama.cpp's clean_spaces (decode clean-up)
     */
    record Pre(List<String> regexes, boolean ignoreMerges, boolean addBos, boolean cleanSpaces) {
    }

    private static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+"
            + "|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String BLOOM = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";
    /** DeepSeek LLM's letter class: Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee, ... (no CJK). */
    private static final String DEEPSEEK_LETTERS = "A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF"
            + "\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C"
            + "\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5"
            + "\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15"
            + "\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4"
            + "\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4"
            + "\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D"
            + "\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4"
            + "\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E"
            + "\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F"
            + "\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2"
            + "\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43";
    /** Han, then everything from Samaritan up to Han, then Hangul (the ranges DeepSeek wrote). */
    private static final String DEEPSEEK_CJK = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    private static final Pre DEFAULT = bpe(false, true,
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final Pre LLAMA3_PRE = new Pre(List.of(LLAMA3), true, true, true);
    private static final Pre GPT2_PRE = bpe(false, true, GPT2);
    private static final Pre STARCODER = bpe(false, true, "\\p{N}", GPT2);
    private static final Pre QWEN2_PRE = bpe(false, false, QWEN2);

    private static final Map<String, Pre> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("default", DEFAULT);
        for (String name : List.of("llama3", "llama-v3", "llama-bpe", "falcon3")) {
            BY_NAME.put(name, LLAMA3_PRE);
        }
        BY_NAME.put("dbrx", bpe(false, true, LLAMA3));
        BY_NAME.put("smaug-bpe", bpe(false, true, LLAMA3));
        BY_NAME.put("deepseek-llm", bpe(false, false, "[\r\n]", "\\s?[" + DEEPSEEK_LETTERS + "]+",
                "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
                // llama.cpp's std::regex "$" is the end of the piece: \z (Java's $ would also match before a
                // final line terminator).
                "\\s+\\z", DEEPSEEK_CJK, "\\p{N}+"));
        BY_NAME.put("deepseek-coder", bpe(false, false, "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", DEEPSEEK_CJK,
                "\\p{N}"));
        BY_NAME.put("deepseek-v3", bpe(false, false, "\\p{N}{1,3}", "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
                "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                        + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"));
        BY_NAME.put("falcon", bpe(false, true, "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"));
        BY_NAME.put("mpt", GPT2_PRE);
        BY_NAME.put("olmo", GPT2_PRE);
        BY_NAME.put("jais", GPT2_PRE);
        for (String name : List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es",
                "jina-v2-de", "jina-v2-code", "roberta-bpe")) {
            BY_NAME.put(name, GPT2_PRE);
        }
        BY_NAME.put("starcoder", STARCODER);
        BY_NAME.put("refact", STARCODER);
        BY_NAME.put("codeshell", STARCODER);
        BY_NAME.put("minerva-7b", STARCODER);
        BY_NAME.put("command-r", bpe(false, false, "\\p{N}", GPT2));
        BY_NAME.put("smollm", bpe(false, false, "\\p{N}", GPT2));
        BY_NAME.put("exaone", STARCODER);
        for (String name : List.of("qwen2", "deepseek-r1-qwen", "megrez")) {
            BY_NAME.put(name, QWEN2_PRE);
        }
        BY_NAME.put("stablelm2", bpe(false, true, QWEN2));
        BY_NAME.put("poro-chat", bpe(false, false, BLOOM));
        BY_NAME.put("bloom", bpe(false, true, BLOOM));
        BY_NAME.put("gpt3-finnish", bpe(false, true, BLOOM));
        BY_NAME.put("viking", bpe(false, false, BLOOM, "\\p{N}"));
    }

    private PreTokenizerRegexes() {
    }

    private static Pre bpe(boolean addBos, boolean cleanSpaces, String... regexes) {
        return new Pre(List.of(regexes), false, addBos, cleanSpaces);
    }

    /** The settings of a pre-tokenizer name; an absent name is llama.cpp's "default" (with its warning). */
    static Optional<Pre> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    static String supportedNames() {
        return String.join(", ", BY_NAME.keySet());
    }
}
