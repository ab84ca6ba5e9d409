package dev.canal.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face chat template (tokenizer_config.json "chat_template"), rendered exactly as transformers renders
 * it: jinja2's ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the loopcontrols extension,
 * the globals raise_exception and strftime_now, and the tojson filter as json.dumps(ensure_ascii=False).
 *
 * <p>Why our own interpreter and not a Java Jinja library (HubSpot Jinjava, the one maintained choice): Jinjava
 * pulls in about ten transitive dependencies (Guava, commons-lang3, jsoup, JUEL, re2j ...) that would all have
 * to become JPMS automatic modules, evaluates expressions through Java EL with Java semantics (no [::-1]
 * slices, Java truthiness and number formatting, no Python str methods such as split/startswith/lstrip),
 * and handles lstrip_blocks/trim_blocks differently from jinja2. Chat templates must match Python byte for
 * byte, because a single stray newline changes the tokens the model sees; a small interpreter that follows
 * jinja2's lexer and parser rule for rule, with Python value semantics, is easier to make and keep exact.
 * It is sandboxed by construction: templates see only JSON-like values, never Java objects or reflection.
 *
 * <p>Immutable and thread-safe; each render is independent.
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final List<Ast.Node> program;
    private final String bosToken;
    private final String eosToken;
    private final String origin;
    private final Clock clock;

    private ChatTemplate(String source, List<Ast.Node> program, String bosToken, String eosToken, String origin,
            Clock clock) {
        this.source = source;
        this.program = program;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.origin = origin;
        this.clock = clock;
    }

    /**
     * The chat template of a tokenizer_config.json, or empty when it has none. chat_template may be a string
     * or a list of {name, template} (the one named "default" is used); bos_token/eos_token may be strings or
     * {"content": ...} objects. Without chat_template, a chat_template.jinja beside the config is used (newer
     * Hugging Face layout). Bad JSON or template syntax throws a CanalException naming the file and line.
     */
    public static Optional<ChatTemplate> fromTokenizerConfig(Path tokenizerConfigJson) {
        String file = tokenizerConfigJson.toString();
        JsonNode config;
        try {
            config = JSON.readTree(tokenizerConfigJson.toFile());
        } catch (IOException e) {
            throw new CanalException(file + ": cannot read tokenizer config as JSON: "
                    + firstLine(e.getMessage()), e);
        }
        if (config == null || !config.isObject()) {
            throw new CanalException(file + ": expected a JSON object");
        }
        String template = templateText(config.get("chat_template"), file);
        if (template == null) {
            // Newer Hugging Face repositories keep the template beside the config in chat_template.jinja.
            Path sibling = tokenizerConfigJson.toAbsolutePath().resolveSibling("chat_template.jinja");
            if (!Files.isRegularFile(sibling)) {
                return Optional.empty();
            }
            try {
                template = Files.readString(sibling);
            } catch (IOException e) {
                throw new CanalException(sibling + ": cannot read chat template: " + e.getMessage(), e);
            }
            return Optional.of(compile(template, specialToken(config, "bos_token", file),
                    specialToken(config, "eos_token", file), sibling.toString()));
        }
        return Optional.of(compile(template, specialToken(config, "bos_token", file),
                specialToken(config, "eos_token", file), file + ": chat_template"));
    }

    /** A template from its source text; bosToken/eosToken may be null (then undefined in the template). */
    public static ChatTemplate of(String template, String bosToken, String eosToken) {
        return compile(template, bosToken, eosToken, "chat template");
    }

    /** The same template with strftime_now reading this clock (its zone is the local time zone). */
    public ChatTemplate withClock(Clock newClock) {
        return new ChatTemplate(source, program, bosToken, eosToken, origin, newClock);
    }

    public String source() {
        return source;
    }

    public Optional<String> bosToken() {
        return Optional.ofNullable(bosToken);
    }

    public Optional<String> eosToken() {
        return Optional.ofNullable(eosToken);
    }

    /**
     * Renders the conversation. messages and tools are JSON-like (Map, List, String, Number, Boolean, null);
     * tools null is passed as None, as transformers does. extraVariables (e.g. enable_thinking) are added last
     * and win over the standard ones. A template's raise_exception(msg) throws a CanalException with msg.
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
            boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        Scope globals = new Scope(null);
        Builtins.install(globals, clock);
        globals.set("messages", toPython(messages, "messages"));
        globals.set("tools", toPython(tools, "tools"));
        globals.set("documents", null);
        globals.set("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) {
            globals.set("bos_token", bosToken);
        }
        if (eosToken != null) {
            globals.set("eos_token", eosToken);
        }
        if (extraVariables != null) {
            extraVariables.forEach((k, v) -> globals.set(k, toPython(v, k)));
        }
        try {
            return new Renderer().render(program, globals);
        } catch (RaisedException e) {
            throw new CanalException(e.getMessage());
        } catch (TemplateError e) {
            throw new CanalException(origin + ": error at line " + e.line + ": " + e.getMessage());
        }
    }

    private static ChatTemplate compile(String template, String bos, String eos, String origin) {
        try {
            return new ChatTemplate(template, Parser.parse(template), bos, eos, origin, Clock.systemDefaultZone());
        } catch (TemplateError e) {
            throw new CanalException(origin + ": syntax error at line " + e.line + ": " + e.getMessage());
        }
    }

    private static String templateText(JsonNode node, String file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : node) {
                String name = entry.path("name").asText(null);
                names.add(name);
                if ("default".equals(name) && entry.path("template").isTextual()) {
                    return entry.get("template").asText();
                }
            }
            throw new CanalException(file + ": chat_template lists templates " + names
                    + " but none named \"default\" with a string template");
        }
        throw new CanalException(file + ": chat_template must be a string or a list of {name, template}, got "
                + node.getNodeType().toString().toLowerCase());
    }

    private static String specialToken(JsonNode config, String field, String file) {
        JsonNode node = config.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").asText();
        }
        throw new CanalException(file + ": " + field + " must be a string or an object with a string \"content\"");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** Copies a JSON-like Java value into the interpreter's Python-like values (ints as Long, floats as Double). */
    private static Object toPython(Object value, String path) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger b when b.bitLength() < 64 -> b.longValue();
            case Double d -> d;
            case Float f -> Double.parseDouble(f.toString());
            case BigDecimal d -> d.doubleValue();
            case Character c -> c.toString();
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(toPython(k, path), toPython(v, path + "." + k)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (int i = 0; i < l.size(); i++) {
                    out.add(toPython(l.get(i), path + "[" + i + "]"));
                }
                yield out;
            }
            default -> throw new CanalException("chat template variable " + path + ": unsupported value of type "
                    + value.getClass().getName() + " (expected Map, List, String, Number, Boolean or null)");
        };
    }
}
