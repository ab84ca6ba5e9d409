package dev.canal.engine.quant.awq;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedLinearFormat;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * AutoAWQ checkpoints in the GEMM layout ({@code quant_method: "awq"}, {@code version: "gemm"}): every
 * {@code <prefix>.qweight} with its {@code .qzeros} and {@code .scales} becomes an {@link AwqMatrix}. Only what
 * AutoAWQ's WQLinear_GEMM writes is read: 4 bits, zero points, F16 scales. The other AutoAWQ layouts (GEMV,
 * GEMV-fast, Marlin, ExLlama) interleave the codes differently and are refused by name, as is the llm-awq backend.
 */
public final class AwqFormat implements QuantizedLinearFormat {
    private static final String QWEIGHT = ".qweight";

    @Override
    public String name() {
        return "awq";
    }

    @Override
    public boolean reads(QuantizationConfig config) {
        return config.method().equals("awq");
    }

    @Override
    public Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config) {
        int groupSize = groupSize(config);
        Map<String, PackedMatrix> layers = new TreeMap<>();
        for (String name : store.names()) {
            if (!name.endsWith(QWEIGHT)) continue;
            String prefix = name.substring(0, name.length() - QWEIGHT.length());
            layers.put(prefix, bind(store, prefix, groupSize, config));
        }
        if (layers.isEmpty()) {
            throw new CanalException(store.source() + ": " + config.source() + " says AWQ, but no tensor is named "
                    + "<layer>.qweight (expected AutoAWQ GEMM tensors qweight, qzeros and scales)");
        }
        return layers;
    }

    /** The group size after checking the fields this reader depends on; -1 (one group per row) is returned as is. */
    static int groupSize(QuantizationConfig config) {
        String where = config.source();
        int bits = config.intField("bits", config.intField("w_bit", 4));
        if (bits != 4) {
            throw new CanalException(where + ": \"bits\" is " + bits + "; AWQ GEMM checkpoints are read with 4 bits "
                    + "only");
        }
        String version = config.textField("version", "gemm").toLowerCase(Locale.ROOT);
        if (!version.equals("gemm")) {
            throw new CanalException(where + ": \"version\" is \"" + version + "\"; only AutoAWQ's \"gemm\" layout "
                    + "is read (gemv, gemv_fast, marlin, exllama and ipex pack the codes differently)");
        }
        String backend = config.textField("backend", "autoawq").toLowerCase(Locale.ROOT);
        if (!backend.equals("autoawq")) {
            throw new CanalException(where + ": \"backend\" is \"" + backend + "\"; only AutoAWQ checkpoints "
                    + "(backend \"autoawq\") are read");
        }
        if (!config.booleanField("zero_point", true)) {
            throw new CanalException(where + ": \"zero_point\" is false; AutoAWQ's GEMM layout always stores "
                    + "zero points (qzeros), symmetric AWQ is not supported");
        }
        int groupSize = config.intField("group_size", config.intField("q_group_size", 128));
        if (groupSize != -1 && groupSize <= 0) {
            throw new CanalException(where + ": \"group_size\" is " + groupSize + ", expected a positive number "
                    + "or -1 (one group per row)");
        }
        return groupSize;
    }

    private static AwqMatrix bind(WeightStore store, String prefix, int configGroup, QuantizationConfig config) {
        Tensor qweight = part(store, prefix, "qweight");
        Tensor qzeros = part(store, prefix, "qzeros");
        Tensor scales = part(store, prefix, "scales");
        expect(qweight, DType.I32);
        expect(qzeros, DType.I32);
        expect(scales, DType.F16);
        long in = qweight.dim(0);
        long words = qweight.dim(1);
        long out = words * AwqPacking.PACK;
        int group = configGroup == -1 ? (int) Math.min(in, Integer.MAX_VALUE) : configGroup;
        if (in <= 0 || words <= 0 || in > Integer.MAX_VALUE - 16 || out > Integer.MAX_VALUE - 16) {
            throw new CanalException("tensor " + qweight.name() + ": shape " + qweight.shapeString()
                    + " is not a usable [in, out/8] AWQ qweight");
        }
        if (in % group != 0) {
            throw new CanalException("tensor " + qweight.name() + ": " + in + " input features is not a multiple of "
                    + "group_size " + group + " (" + config.source() + ")");
        }
        long groups = in / group;
        expectShape(qzeros, groups, words, "[in/group_size, out/8]");
        expectShape(scales, groups, out, "[in/group_size, out]");
        return new AwqMatrix(qweight, qzeros, scales, group);
    }

    private static Tensor part(WeightStore store, String prefix, String part) {
        return store.find(prefix + "." + part).orElseThrow(() -> new CanalException(store.source()
                + ": missing tensor \"" + prefix + "." + part + "\" (an AWQ layer needs qweight, qzeros and scales)"));
    }

    private static void expect(Tensor t, DType dtype) {
        if (t.dtype() != dtype) {
            throw new CanalException("tensor " + t.name() + ": dtype " + t.typeName() + ", expected " + dtype
                    + " as AutoAWQ's GEMM layout stores it");
        }
        if (t.rank() != 2) {
            throw new CanalException("tensor " + t.name() + ": shape " + t.shapeString() + ", expected a 2-D tensor");
        }
    }

    private static void expectShape(Tensor t, long rows, long cols, String what) {
        if (t.dim(0) != rows || t.dim(1) != cols) {
            throw new CanalException("tensor " + t.name() + ": shape " + t.shapeString() + ", expected "
                    + Arrays.toString(new long[] {rows, cols}) + " " + what);
        }
    }
}
