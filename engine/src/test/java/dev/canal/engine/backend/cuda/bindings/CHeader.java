package dev.canal.engine.backend.cuda.bindings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a C header reader to check bindings against the real prototypes: function prototypes
 * ({@code RET CUDAAPI name(params);} / {@code RET CUBLASWINAPI name(params);}), {@code #define A B} renames
 * (including {@code __CUDA_API_PTDS(B)}), typedefs, enum constants and {@code #define NAME number}. The first
 * declaration of a name wins: later ones in the NVIDIA headers are the legacy ABI inside
 * {@code #if defined(__CUDA_API_VERSION_INTERNAL)}.
 */
final class CHeader {
    /** One parameter or return type: the type name after typedef resolution, and whether it is a pointer. */
    record CType(String base, boolean pointer, String written) { }

    record Prototype(String name, CType returns, List<CType> params) { }

    private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern LINE_COMMENT = Pattern.compile("//[^\\n]*");
    private static final Pattern RENAME = Pattern.compile(
            "^\\s*#define\\s+(\\w+)\\s+(?:__CUDA_API_PTDS\\(|__CUDA_API_PTSZ\\()?(\\w+)\\)?\\s*$", Pattern.MULTILINE);
    private static final Pattern NUMBER_DEFINE = Pattern.compile(
            "^\\s*#define\\s+(\\w+)\\s+\\(?(-?(?:0x[0-9a-fA-F]+|\\d+))[uUlL]*\\)?\\s*$", Pattern.MULTILINE);
    private static final Pattern PROTOTYPE = Pattern.compile(
            "(\\w+)\\s*(\\**)\\s+(?:CUDAAPI|CUBLASWINAPI)\\s+(\\w+)\\s*\\(([^;{]*?)\\)\\s*;");
    private static final Pattern ENUM_TYPEDEF = Pattern.compile("typedef\\s+enum\\s*\\w*\\s*\\{([^}]*)\\}\\s*(\\w+)\\s*;");
    private static final Pattern ENUM_BODY = Pattern.compile("enum\\s*\\w*\\s*\\{([^}]*)\\}");
    private static final Pattern ENUM_CONSTANT = Pattern.compile(
            "(\\w+)\\s*=\\s*(-?(?:0x[0-9a-fA-F]+|\\d+))[uUlL]*\\s*(?:,|$)");
    private static final Pattern SIMPLE_TYPEDEF = Pattern.compile("typedef\\s+([\\w ]+?)\\s*(\\**)\\s*(\\w+)\\s*;");

    private final Map<String, String> renames = new HashMap<>();
    private final Map<String, CType> typedefs = new HashMap<>();
    private final Map<String, Long> constants = new HashMap<>();
    private final Map<String, String> prototypeText = new HashMap<>();
    private final Map<String, String> prototypeReturn = new HashMap<>();

    /** Reads the given headers; ones that do not exist are ignored (the caller decides what a missing one means). */
    static CHeader read(Path... headers) throws IOException {
        CHeader h = new CHeader();
        for (Path p : headers) {
            if (Files.exists(p)) h.add(Files.readString(p));
        }
        return h;
    }

    private void add(String source) {
        String text = LINE_COMMENT.matcher(BLOCK_COMMENT.matcher(source).replaceAll(" ")).replaceAll("")
                .replace("\\\n", " ");
        Matcher m = RENAME.matcher(text);
        while (m.find()) renames.putIfAbsent(m.group(1), m.group(2));
        m = NUMBER_DEFINE.matcher(text);
        while (m.find()) constants.putIfAbsent(m.group(1), Long.decode(m.group(2)));
        m = ENUM_TYPEDEF.matcher(text);
        while (m.find()) typedefs.putIfAbsent(m.group(2), new CType("enum", false, m.group(2)));
        m = ENUM_BODY.matcher(text);
        while (m.find()) {
            Matcher c = ENUM_CONSTANT.matcher(m.group(1));
            while (c.find()) constants.putIfAbsent(c.group(1), Long.decode(c.group(2)));
        }
        m = SIMPLE_TYPEDEF.matcher(text);
        while (m.find()) {
            String target = m.group(1).replaceAll("\\bconst\\b", "").trim().replaceAll("\\s+", " ");
            typedefs.putIfAbsent(m.group(3), new CType(target, !m.group(2).isEmpty(), m.group(0)));
        }
        m = PROTOTYPE.matcher(text);
        while (m.find()) {
            prototypeReturn.putIfAbsent(m.group(3), m.group(1) + m.group(2));
            prototypeText.putIfAbsent(m.group(3), m.group(4));
        }
    }

    /** What the preprocessor turns {@code name} into (following chains of renames). */
    String resolve(String name) {
        String n = name;
        for (int i = 0; i < 10 && renames.containsKey(n); i++) n = renames.get(n);
        return n;
    }

    /**
     * The prototype a C program calls when it links {@code symbol}: declared under a name the header renames to
     * it, or under the symbol itself.
     */
    Optional<Prototype> prototypeLinkingTo(String symbol) {
        List<String> candidates = new ArrayList<>();
        renames.keySet().stream().filter(n -> !n.equals(symbol) && resolve(n).equals(symbol)).sorted()
                .forEach(candidates::add);
        candidates.add(symbol);
        for (String name : candidates) {
            if (prototypeText.containsKey(name)) {
                List<CType> params = new ArrayList<>();
                String list = prototypeText.get(name).trim();
                if (!list.isEmpty() && !list.equals("void")) {
                    for (String p : list.split(",")) params.add(parameter(p));
                }
                return Optional.of(new Prototype(name, type(prototypeReturn.get(name)), params));
            }
        }
        return Optional.empty();
    }

    Optional<Long> constant(String name) {
        return Optional.ofNullable(constants.get(name));
    }

    private CType parameter(String declaration) {
        String d = declaration.replaceAll("\\bconst\\b", " ").trim().replaceAll("\\s+", " ");
        int star = d.lastIndexOf('*');
        if (star >= 0) return type(d.substring(0, star + 1)); // the name follows the last '*'
        String[] tokens = d.split(" ");
        if (tokens.length == 1) return type(d);
        return type(String.join(" ", java.util.Arrays.copyOf(tokens, tokens.length - 1)));
    }

    /** Resolves a written type through typedefs to a base C type, remembering whether a pointer was involved. */
    private CType type(String written) {
        String t = written.replaceAll("\\bconst\\b", " ").trim();
        boolean pointer = t.contains("*");
        t = t.replace("*", " ").trim().replaceAll("\\s+", " ");
        for (int i = 0; i < 20 && !pointer && typedefs.containsKey(t); i++) {
            CType target = typedefs.get(t);
            if (target.base().equals("enum")) return new CType("enum", false, written);
            pointer = target.pointer();
            t = target.base();
        }
        return new CType(t, pointer, written);
    }
}
