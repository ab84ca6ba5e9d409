package dev.canal.tools;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.tools.quantize.ModelQuantizer;
import dev.canal.tools.quantize.Packers;
import dev.canal.tools.quantize.QuantizeMethod;
import dev.canal.tools.quantize.QuantizeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code quantize}: a Hugging Face model directory to an AWQ, GPTQ, FP8 or NVFP4 one the reference loaders read. */
@Command(name = "quantize", usageHelpAutoWidth = true,
        description = {"Quantizes the linear layers of a Hugging Face model directory (F32/F16/BF16",
                "safetensors) into the layout AutoAWQ, GPTQModel, compressed-tensors or ModelOpt",
                "write. Embeddings, norms, the output head and layers the format cannot hold",
                "stay as they are (listed on stderr and in config.json). --method awq first",
                "scales salient input channels, chosen on calibration text run through canal's",
                "forward pass. Progress goes to stderr; DIR appears only when complete."})
final class QuantizeCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model directory.")
    Path modelDir;

    @Option(names = "--to", required = true, paramLabel = "FORMAT",
            description = "awq (int4, AutoAWQ GEMM), gptq (GPTQModel), fp8 (compressed-tensors FP8 E4M3) or nvfp4 "
                    + "(ModelOpt NVFP4).")
    String to;

    @Option(names = "--group-size", paramLabel = "N",
            description = "Input features per scale for awq and gptq (default 128; gptq also -1 = per channel).")
    Integer groupSize;

    @Option(names = "--bits", paramLabel = "B", description = "gptq: 4 or 8 (default 4); awq is 4-bit.")
    Integer bits;

    @Option(names = "--fp8-scaling", paramLabel = "KIND",
            description = "fp8: channel (default), tensor or block (128 x 128).")
    String fp8Scaling;

    @Option(names = "--method", defaultValue = "rtn", paramLabel = "M",
            description = "rtn (round-to-nearest) or awq (activation-aware scales; default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--calib", paramLabel = "FILE",
            description = "Calibration text for --method awq (default: a few built-in paragraphs of English).")
    Path calib;

    @Option(names = "--calib-tokens", defaultValue = "512", paramLabel = "N",
            description = "Calibration tokens run through the model (default ${DEFAULT-VALUE}).")
    int calibTokens;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Model directory to write.")
    Path output;

    @Option(names = "--force", description = "Replace DIR if it exists and is not empty.")
    boolean force;

    private final Io io;

    QuantizeCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        LinearPacker packer;
        QuantizeMethod m;
        try {
            packer = Packers.create(to, bits, groupSize, fp8Scaling);
            m = QuantizeMethod.parse(method);
        } catch (CanalException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (calibTokens < 2) {
            throw new ParameterException(spec.commandLine(), "--calib-tokens must be at least 2, got " + calibTokens);
        }
        if (calib != null && m != QuantizeMethod.AWQ) {
            throw new ParameterException(spec.commandLine(), "--calib is used by --method awq only");
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + n);
        new ModelQuantizer(packer, new QuantizeOptions(m, Optional.ofNullable(calib), calibTokens, n, force), io.err())
                .quantize(modelDir, output);
        return 0;
    }
}
