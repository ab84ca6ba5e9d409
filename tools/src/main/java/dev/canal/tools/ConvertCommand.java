package dev.canal.tools;

import dev.canal.ggml.convert.HfToGgufConverter;
import dev.canal.ggml.convert.TargetType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code convert}: a Hugging Face model directory to a GGUF file llama.cpp (and canal) loads. */
@Command(name = "convert", usageHelpAutoWidth = true,
        description = {"Converts a Hugging Face model directory (Llama, Mistral, Qwen2, Qwen3; F32/F16/BF16",
                "safetensors) to GGUF. 1-D tensors stay F32; 2-D weights whose rows the type's block does not",
                "divide fall back (q4_k → q5_0, q6_k → q8_0, else f16). Progress goes to stderr."})
final class ConvertCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model directory.")
    Path modelDir;

    @Option(names = "--to", defaultValue = "gguf", paramLabel = "FORMAT", description = "Output format: gguf.")
    String to;

    @Option(names = "--type", defaultValue = "f16", paramLabel = "TYPE",
            description = "f32, f16, bf16, q8_0, q4_0, q4_k or q6_k (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "GGUF file to write (default: MODEL_DIR's name-TYPE.gguf in the current directory).")
    Path output;

    private final Io io;

    ConvertCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (!to.equalsIgnoreCase("gguf")) {
            throw new ParameterException(spec.commandLine(), "--to " + to + " is not supported (only gguf)");
        }
        TargetType target;
        try {
            target = TargetType.parse(type);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path out = output != null ? output : HfToGgufConverter.defaultOutput(modelDir, target);
        new HfToGgufConverter(target, io.err()).convert(modelDir, out);
        return 0;
    }
}
