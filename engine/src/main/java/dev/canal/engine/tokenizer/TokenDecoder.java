package dev.canal.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The "decoder" of tokenizer.json: turns the tokens' strings back into text, step by step. */
interface TokenDecoder {

    List<String> decodeChain(List<String> tokens);

    /** Joins the tokens as the decoder-less default does (with spaces, like HF). */
    TokenDecoder NONE = tokens -> List.of(String.join(" ", tokens));

    /** Byte-level tokens back to bytes and then UTF-8; added tokens are text already and are kept as they are. */
    record ByteLevel(Set<String> addedTokens) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                if (addedTokens.contains(t)) {
                    if (bytes.size() > 0) {
                        out.add(bytes.toString(StandardCharsets.UTF_8));
                        bytes.reset();
                    }
                    out.add(t);
                } else {
                    ByteLevelAlphabet.appendBytes(t, bytes);
                }
            }
            if (bytes.size() > 0) {
                out.add(bytes.toString(StandardCharsets.UTF_8));
            }
            return out;
        }
    }

    record Replace(Pattern pattern, String content) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            String replacement = Matcher.quoteReplacement(content);
            return tokens.stream().map(t -> pattern.matcher(t).replaceAll(replacement)).toList();
        }
    }

    /** Runs of &lt;0xNN&gt; tokens become the UTF-8 text of their bytes. */
    record ByteFallback() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    bytes.write(b);
                    continue;
                }
                if (bytes.size() > 0) {
                    out.add(bytes.toString(StandardCharsets.UTF_8));
                    bytes.reset();
                }
                out.add(t);
            }
            if (bytes.size() > 0) {
                out.add(bytes.toString(StandardCharsets.UTF_8));
            }
            return out;
        }

        static int byteOf(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(t.charAt(3), 16);
            int lo = Character.digit(t.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }
    }

    record Fuse() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing copies of {@code content} from each token. */
    record Strip(String content, int start, int stop) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return tokens.stream().map(this::strip).toList();
        }

        private String strip(String t) {
            int from = 0;
            for (int i = 0; i < start && t.startsWith(content, from); i++) {
                from += content.length();
            }
            int to = t.length();
            for (int i = 0; i < stop && to - content.length() >= from && t.startsWith(content, to - content.length());
                 i++) {
                to -= content.length();
            }
            return t.substring(from, Math.max(from, to));
        }
    }

    /** '▁' back to spaces; the space the pre-tokenizer prepended to the first word is dropped. */
    record Metaspace(String replacement, boolean addPrefixSpace) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i).replace(replacement, " ");
                if (addPrefixSpace && i == 0 && t.startsWith(" ")) {
                    t = t.substring(1);
                }
                out.add(t);
            }
            return out;
        }
    }

    record Sequence(List<TokenDecoder> steps) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (TokenDecoder step : steps) {
                tokens = step.decodeChain(tokens);
            }
            return tokens;
        }
    }
}
