package dev.canal.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.template.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code canal template}: renders a conversation with a model's chat template, as transformers would. */
@Command(name = "template", usageHelpAutoWidth = true,
        description = {"Prints a conversation rendered with the model's chat template.",
                "The render is exact, as transformers' apply_chat_template(..., tokenize=False) makes it; no",
                "newline is added."})
final class TemplateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    HelpOption help;

    @Parameters(index = "0", paramLabel = "<model-dir | tokenizer_config.json>",
            description = "A model directory with tokenizer_config.json, or the file itself.")
    Path source;

    @Option(names = "--messages", required = true, paramLabel = "FILE.json",
            description = "A JSON array of messages: {\"role\": ..., \"content\": ..., ...}.")
    Path messagesFile;

    @Option(names = "--tools", paramLabel = "FILE.json", description = "A JSON array of tool definitions.")
    Path toolsFile;

    @Option(names = "--add-generation-prompt", description = "End with the start of the assistant's turn.")
    boolean addGenerationPrompt;

    @Option(names = "--var", paramLabel = "NAME=VALUE",
            description = "A template variable, e.g. enable_thinking=false; VALUE is JSON, else a string."
                    + " Repeatable.")
    Map<String, String> variables = new LinkedHashMap<>();

    private final Io io;

    TemplateCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Path config = Inputs.fileOrFileInDirectory(source, "tokenizer_config.json");
        List<Map<String, Object>> messages = readObjects(Inputs.existingFile(messagesFile), "messages");
        for (int i = 0; i < messages.size(); i++) {
            if (!(messages.get(i).get("role") instanceof String)) {
                throw new UserError(messagesFile + ": message " + i + " has no \"role\" string");
            }
        }
        List<Map<String, Object>> tools = toolsFile == null ? null
                : readObjects(Inputs.existingFile(toolsFile), "tool definitions");
        Map<String, Object> extra = new LinkedHashMap<>();
        variables.forEach((name, value) -> extra.put(name, jsonOrString(value)));

        ChatTemplate template = ChatTemplate.fromTokenizerConfig(config)
                .orElseThrow(() -> new UserError(config + ": no chat_template"));
        io.out().print(template.render(messages, tools, addGenerationPrompt, extra));
        io.out().flush();
        return 0;
    }

    /** A JSON array of objects, as JSON-like Java values (Map, List, String, Number, Boolean, null). */
    private static List<Map<String, Object>> readObjects(Path file, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new UserError(file + ": not valid JSON: " + Main.oneLine(e.getOriginalMessage()) + " (line "
                    + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new UserError(file + ": expected a JSON array of " + what + ", found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            if (!root.get(i).isObject()) {
                throw new UserError(file + ": element " + i + " of the " + what + " array is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> object = JSON.convertValue(root.get(i), LinkedHashMap.class);
            out.add(object);
        }
        return out;
    }

    private static Object jsonOrString(String value) {
        try {
            return JSON.readValue(value, Object.class);
        } catch (JsonProcessingException e) {
            return value;
        }
    }
}
