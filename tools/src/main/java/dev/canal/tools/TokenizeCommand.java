package dev.canal.tools;

import dev.canal.engine.tokenizer.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code canal tokenize}: the token ids of a text, as a JSON array on one line. */
@Command(name = "tokenize", usageHelpAutoWidth = true,
        description = {"Prints the token ids of a text.",
                "A JSON array on one line, ids separated by a comma and a space: [1, 403, 407].",
                "The tokenizer's special tokens (e.g. BOS) are added unless --no-add-special."})
final class TokenizeCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Parameters(index = "0", paramLabel = "<model-dir | tokenizer.json>",
            description = "A model directory with tokenizer.json, or the file itself.")
    Path source;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Option(names = "--special",
            description = "Recognise special tokens written in the text (e.g. <|im_start|>) as single ids;"
                    + " without it they are tokenized as plain text.")
    boolean parseSpecial;

    @Option(names = "--no-add-special", description = "Do not add the tokenizer's special tokens (BOS/EOS).")
    boolean noAddSpecial;

    private final Io io;

    TokenizeCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Path file = Inputs.fileOrFileInDirectory(source, "tokenizer.json");
        int[] ids = HfTokenizer.load(file).encode(text, !noAddSpecial, parseSpecial);
        io.out().println(jsonArray(ids));
        return 0;
    }

    /** "[1, 2, 3]": JSON, with the spacing Python and the Hugging Face tools print lists with. */
    static String jsonArray(int[] ids) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        for (int id : ids) j.add(Integer.toString(id));
        return j.toString();
    }
}
