package dev.canal.engine.quant;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.awq.AwqFormat;
import dev.canal.engine.quant.compressed.CompressedPackQuantizedFormat;
import dev.canal.engine.quant.fp8.Fp8Format;
import dev.canal.engine.quant.gptq.GptqFormat;
import dev.canal.engine.quant.nvfp4.Nvfp4Format;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A quantized checkpoint seen as a float one: each quantized linear layer appears as {@code <prefix>.weight}, a
 * {@link dev.canal.engine.tensor.DType#PACKED} tensor of the logical [out, in] shape, and the tensors it is made of
 * (qweight, qzeros, scales, weight_scale, …) are hidden. Architectures therefore bind the same names whatever the
 * format; nothing is copied.
 */
public final class QuantizedWeights implements WeightStore {

    /** Every format canal reads, asked in order. */
    private static final List<QuantizedLinearFormat> FORMATS = List.of(
            new AwqFormat(),
            new GptqFormat(),
            new CompressedPackQuantizedFormat(),
            new Fp8Format(),
            new Nvfp4Format());

    private final WeightStore store;
    private final Map<String, Tensor> packed;
    private final Set<String> names;

    private QuantizedWeights(WeightStore store, Map<String, PackedMatrix> layers) {
        this.store = store;
        Map<String, Tensor> byName = new LinkedHashMap<>();
        Set<String> hidden = new HashSet<>();
        for (Map.Entry<String, PackedMatrix> layer : layers.entrySet()) {
            String name = layer.getKey() + ".weight";
            for (Tensor part : layer.getValue().parts()) hidden.add(part.name());
            byName.put(name, Tensor.packed(name, layer.getValue()));
        }
        Set<String> visible = new TreeSet<>(store.names());
        visible.removeAll(hidden);
        visible.addAll(byName.keySet());
        this.packed = byName;
        this.names = Collections.unmodifiableSet(visible);
    }

    /**
     * {@code store} as the model's layers see it: itself for a float checkpoint, else a view with every quantized
     * layer bound by its format. An unknown or unsupported method is refused with the formats canal reads.
     */
    public static WeightStore wrap(WeightStore store, Optional<QuantizationConfig> config) {
        return wrap(store, config, FORMATS);
    }

    static WeightStore wrap(WeightStore store, Optional<QuantizationConfig> config,
                            List<QuantizedLinearFormat> formats) {
        if (config.isEmpty()) return store;
        QuantizationConfig q = config.get();
        for (QuantizedLinearFormat format : formats) {
            if (format.reads(q)) return new QuantizedWeights(store, format.open(store, q));
        }
        throw new CanalException(q.source() + ": quant_method \"" + q.method() + "\" is not supported (canal reads "
                + names(formats) + "; bitsandbytes and other in-memory quantizations have no file format to read)");
    }

    /** The formats canal reads, for messages. */
    public static String supported() {
        return names(FORMATS);
    }

    private static String names(List<QuantizedLinearFormat> formats) {
        return formats.stream().map(QuantizedLinearFormat::name).collect(Collectors.joining(", "));
    }

    @Override
    public String source() {
        return store.source();
    }

    @Override
    public Set<String> names() {
        return names;
    }

    @Override
    public Optional<Tensor> find(String name) {
        Tensor t = packed.get(name);
        if (t != null) return Optional.of(t);
        return names.contains(name) ? store.find(name) : Optional.empty();
    }

    @Override
    public void close() {
        store.close();
    }

    @Override
    public String toString() {
        return store + " (" + packed.size() + " quantized layers)";
    }
}
