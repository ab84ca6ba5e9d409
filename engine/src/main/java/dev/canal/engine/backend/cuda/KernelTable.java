package dev.canal.engine.backend.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel table ({@code dev/canal/engine/cuda/kernel-table.json}): for each SM the hardware it has and, per op,
 * the kernel to run and its fallback. The same file drives the build's nvcc {@code -gencode} list
 * ({@link NvccArguments}) and the runtime choice ({@link KernelDispatch}), so what is compiled and what is
 * dispatched cannot drift apart.
 */
public final class KernelTable {
    /** The resource holding the table. */
    public static final String RESOURCE = "/dev/canal/engine/cuda/kernel-table.json";

    /** Kernel name meaning "this op runs on the CPU backend". */
    public static final String CPU = "cpu";

    /** Weight formats and the op that multiplies by them, for "which formats run natively" questions. */
    public static final Map<String, String> FORMAT_OPS = orderedMap(
            "F32", "gemv_f32", "F16", "gemv_f16", "BF16", "gemv_bf16", "Q8_0", "gemv_q8_0", "Q4_0", "gemv_q4_0",
            "AWQ int4", "gemv_awq_int4", "GPTQ int4", "gemv_gptq", "GPTQ int8", "gemv_gptq", "FP8 E4M3", "gemv_fp8",
            "NVFP4", "nvfp4");

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return Collections.unmodifiableMap(m);
    }

    /** How a row runs a weight format or op. */
    public enum Mode {
        /** The hardware has a path for it (tensor-core MMA, hardware conversion). */
        NATIVE,
        /** A GPU kernel decodes it in software. */
        EMULATED,
        /** The GPU does not run it: the CPU backend does. */
        CPU
    }

    /** Hardware features of an SM. */
    public record Features(boolean int8Mma, boolean fp16Mma, boolean bf16Mma, boolean fp8Mma, boolean fp4Mma,
                           boolean wgmma, boolean tma, boolean unifiedMemoryTypical) {
        /** The features present, by name, for display. */
        public List<String> present() {
            List<String> out = new ArrayList<>();
            if (int8Mma) out.add("int8 MMA");
            if (fp16Mma) out.add("fp16 MMA");
            if (bf16Mma) out.add("bf16 MMA");
            if (fp8Mma) out.add("fp8 MMA");
            if (fp4Mma) out.add("fp4 MMA");
            if (wgmma) out.add("wgmma");
            if (tma) out.add("TMA");
            if (unifiedMemoryTypical) out.add("unified memory (typical)");
            return out;
        }
    }

    /**
     * One op on one row.
     *
     * @param kernels  the kernel(s) (several when the op has one per dtype) or library call; {@code [cpu]} when
     *                 the CPU backend runs it
     * @param fallback what runs when the kernel cannot
     */
    public record Op(List<String> kernels, String fallback, Mode mode) { }

    /**
     * One SM.
     *
     * @param buildable    whether this toolkit can compile for it (its cubin is in the fatbin)
     * @param archSpecific the arch-specific targets ({@code sm_90a} …) that feature-specific kernels would need;
     *                     informational, none is built yet
     * @param note         why an unbuildable row is unbuildable, else empty
     */
    public record Row(int sm, String name, boolean buildable, String archSpecific, String note, Features features,
                      Map<String, Op> ops) {
        public int major() {
            return sm / 10;
        }

        public int minor() {
            return sm % 10;
        }

        /** "sm_90" */
        public String smName() {
            return "sm_" + sm;
        }

        public Op op(String name) {
            Op op = ops.get(name);
            if (op == null) throw new CanalException(RESOURCE + ": row sm_" + sm + " has no op '" + name + "'");
            return op;
        }
    }

    private static final class Holder {
        static final KernelTable TABLE = load();
    }

    private final String toolkit;
    private final int ptxSm;
    private final List<Row> rows;

    private KernelTable(String toolkit, int ptxSm, List<Row> rows) {
        this.toolkit = toolkit;
        this.ptxSm = ptxSm;
        this.rows = rows;
    }

    /** The table shipped in this build. */
    public static KernelTable get() {
        return Holder.TABLE;
    }

    /** The toolkit the table (and the build's fatbin) is for, e.g. "CUDA 13.0". */
    public String toolkit() {
        return toolkit;
    }

    /** The SM whose PTX is in the fatbin for JIT on devices newer than every row. */
    public int ptxSm() {
        return ptxSm;
    }

    /** Every row, by ascending SM. */
    public List<Row> rows() {
        return rows;
    }

    public Optional<Row> row(int sm) {
        return rows.stream().filter(r -> r.sm() == sm).findFirst();
    }

    /** The SMs the build compiles a cubin for, ascending. */
    public List<Integer> buildableSms() {
        return rows.stream().filter(Row::buildable).map(Row::sm).toList();
    }

    /** The op names, in table order. */
    public List<String> opNames() {
        return List.copyOf(rows.getFirst().ops().keySet());
    }

    private static KernelTable load() {
        try (InputStream in = KernelTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new CanalException(RESOURCE + ": missing from the engine jar (a broken build)");
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new CanalException(RESOURCE + ": unreadable: " + e.getMessage(), e);
        }
    }

    /** Parses a table; package-visible so tests can feed variants. */
    static KernelTable parse(JsonNode root) {
        Map<String, Op> defaults = ops(required(root, "defaultOps", "the table"), "defaultOps", Map.of());
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : required(root, "rows", "the table")) {
            int sm = required(r, "sm", "a row").asInt();
            String where = "row sm_" + sm;
            boolean buildable = required(r, "buildable", where).asBoolean();
            Map<String, Op> ops = buildable
                    ? ops(required(r, "ops", where), where, defaults)
                    : cpuOnly(defaults); // nothing is compiled for it, so every op runs on the CPU
            JsonNode f = required(r, "features", where);
            Features features = new Features(flag(f, "int8Mma", where), flag(f, "fp16Mma", where),
                    flag(f, "bf16Mma", where), flag(f, "fp8Mma", where), flag(f, "fp4Mma", where),
                    flag(f, "wgmma", where), flag(f, "tma", where), flag(f, "unifiedMemoryTypical", where));
            String note = r.path("note").asText("");
            if (!buildable && note.isEmpty()) throw bad(where + ": an unbuildable row needs a 'note' saying why");
            rows.add(new Row(sm, required(r, "name", where).asText(), buildable, r.path("archSpecific").asText(""),
                    note, features, ops));
        }
        rows.sort(Comparator.comparingInt(Row::sm));
        for (int i = 1; i < rows.size(); i++) {
            if (rows.get(i).sm() == rows.get(i - 1).sm()) throw bad("two rows for sm_" + rows.get(i).sm());
        }
        int ptx = required(root, "ptx", "the table").asInt();
        if (rows.stream().noneMatch(r -> r.sm() == ptx && r.buildable())) {
            throw bad("'ptx': " + ptx + " is not a buildable row");
        }
        return new KernelTable(required(root, "toolkit", "the table").asText(), ptx, List.copyOf(rows));
    }

    private static Map<String, Op> ops(JsonNode node, String where, Map<String, Op> defaults) {
        Map<String, Op> out = new LinkedHashMap<>(defaults);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!defaults.isEmpty() && !defaults.containsKey(e.getKey())) {
                throw bad(where + ": op '" + e.getKey() + "' is not in defaultOps " + defaults.keySet());
            }
            String w = where + " op " + e.getKey();
            List<String> kernels = List.of(required(e.getValue(), "kernel", w).asText().trim().split("\\s+"));
            String modeText = required(e.getValue(), "mode", w).asText();
            Mode mode;
            try {
                mode = Mode.valueOf(modeText.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException x) {
                throw bad(w + ": mode '" + modeText + "' (expected native, emulated or cpu)");
            }
            out.put(e.getKey(), new Op(kernels, required(e.getValue(), "fallback", w).asText(), mode));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Op> cpuOnly(Map<String, Op> defaults) {
        Map<String, Op> out = new LinkedHashMap<>();
        for (String name : defaults.keySet()) out.put(name, new Op(List.of(CPU), CPU, Mode.CPU));
        return Collections.unmodifiableMap(out);
    }

    private static boolean flag(JsonNode features, String name, String where) {
        JsonNode n = required(features, name, where + " features");
        if (!n.isBoolean()) throw bad(where + " features: '" + name + "' must be true or false");
        return n.asBoolean();
    }

    private static JsonNode required(JsonNode node, String field, String where) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) throw bad(where + ": missing '" + field + "'");
        return n;
    }

    private static CanalException bad(String message) {
        return new CanalException(RESOURCE + ": " + message);
    }
}
