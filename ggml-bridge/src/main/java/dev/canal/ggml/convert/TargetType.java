package dev.canal.ggml.convert;

import dev.canal.engine.api.CanalException;
import dev.canal.ggml.quant.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The output types {@code convert --type} offers and which ggml type each tensor gets.
 *
 * <p>Rules (llama.cpp's, kept uniform: no per-layer mixes like llama-quantize's *_M presets):
 * <ul>
 *   <li>1-D tensors (norms, biases, rope factors) stay F32, as convert_hf_to_gguf.py and llama-quantize keep them.</li>
 *   <li>Every 2-D weight, token_embd and output included, gets the requested type when its row length (ne[0]) is a
 *       multiple of the type's block size.</li>
 *   <li>Otherwise llama-quantize's fallback: Q4_K → Q5_0, Q6_K → Q8_0; and when even that block (32) does not divide
 *       the row, F16 (convert_hf_to_gguf.py's fallback for Q8_0; llama-quantize would refuse Q4_0/Q8_0 there).</li>
 * </ul>
 */
public enum TargetType {
    F32("f32", GgmlType.F32, null, 0),
    F16("f16", GgmlType.F16, null, 1),
    BF16("bf16", GgmlType.BF16, null, 32),
    Q8_0("q8_0", GgmlType.Q8_0, null, 7),
    Q4_0("q4_0", GgmlType.Q4_0, null, 2),
    /** llama_ftype MOSTLY_Q4_K_S: the closest named file type to a uniform Q4_K file. */
    Q4_K("q4_k", GgmlType.Q4_K, GgmlType.Q5_0, 14),
    Q6_K("q6_k", GgmlType.Q6_K, GgmlType.Q8_0, 18);

    private final String cliName;
    private final GgmlType ggml;
    private final GgmlType fallback;
    private final int fileType;

    TargetType(String cliName, GgmlType ggml, GgmlType fallback, int fileType) {
        this.cliName = cliName;
        this.ggml = ggml;
        this.fallback = fallback;
        this.fileType = fileType;
    }

    /** The name on the command line ("q4_k"). */
    public String cliName() {
        return cliName;
    }

    /** The ggml type 2-D weights get when their rows allow it. */
    public GgmlType ggmlType() {
        return ggml;
    }

    /** llama.cpp's {@code enum llama_ftype} value written as general.file_type. */
    public int fileType() {
        return fileType;
    }

    /** Whether this is a block-quant type (general.quantization_version is written then). */
    public boolean quantized() {
        return ggml.isBlockQuant();
    }

    /**
     * The type tensor data is written in.
     *
     * @param ne the tensor's dimensions in ggml order (ne[0] = row length)
     */
    public GgmlType typeFor(long[] ne) {
        if (ne.length <= 1) return GgmlType.F32;
        long row = ne[0];
        if (row % ggml.blockSize() == 0) return ggml;
        if (fallback != null && row % fallback.blockSize() == 0) return fallback;
        return ggml == GgmlType.F32 ? GgmlType.F32 : GgmlType.F16;
    }

    /** The type named on the command line, case-insensitively; a one-line error listing the choices otherwise. */
    public static TargetType parse(String name) {
        for (TargetType t : values()) {
            if (t.cliName.equals(name.toLowerCase(Locale.ROOT))) return t;
        }
        throw new CanalException("--type " + name + " is not one of " + choices());
    }

    public static String choices() {
        return Arrays.stream(values()).map(TargetType::cliName).collect(Collectors.joining(", "));
    }
}
