package dev.canal.ggml.model;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufTensor;
import dev.canal.ggml.gguf.GgufTensorNames;
import dev.canal.ggml.quant.QuantFormats;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.canal.ggml.gguf.GgufTensorNames;
import java.util.Optional;
import java.util.Set;

/**
 * A GGUF file's tensors under Hugging Face names, in row-major shape (ggml's ne reversed), still slices of the
 * mapping. Dense F32/F16/BF16 tensors keep their dtype; block-quantized ones carry their ggml codec as the
 * tensor's block format. Tensors outside the decoder layout (rope_freqs, which the config absorbed) are left out.
 * Closing the store unmaps the file.
 */
final class GgufWeightStore implements WeightStore {
    private final GgufFile file;
    private final Map<String, Tensor> tensors;

    private GgufWeightStore(GgufFile file, Map<String, Tensor> tensors) {
        this.file = file;
        this.tensors = tensors;
    }

    /** Maps every tensor and checks its type can be computed with; the file stays owned by the caller on failure. */
    static GgufWeightStore of(GgufFile file) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (GgufTensor t : file.tensors().values()) {
            Optional<String> hf = GgufTensorNames.toHf(t.name());
            if (hf.isEmpty()) continue;
            Tensor previous = tensors.put(hf.get(), tensor(hf.get(), t, file));
            if (previous != null) {
                throw new CanalException(file.name() + ": two tensors map to " + hf.get());
            }
        }
        return new GgufWeightStore(file, Collections.unmodifiableMap(tensors));
    }

    private static Tensor tensor(String hfName, GgufTensor t, GgufFile file) {
        try {
            t.type().requireSupported(t.name());
        } catch (CanalException e) {
            throw new CanalException(file.name() + ": " + e.getMessage(), e);
        }
        long[] shape = t.shape();
        return switch (t.type()) {
            case F32 -> new Tensor(hfName, DType.F32, shape, t.data());
            case F16 -> new Tensor(hfName, DType.F16, shape, t.data());
            case BF16 -> new Tensor(hfName, DType.BF16, shape, t.data());
            // Every other supported type is a block quant (requireSupported refused the integer types).
            default -> Tensor.quantized(hfName, QuantFormats.of(t.type()), shape, t.data());
        };
    }

    @Override
    public String source() {
        return file.name();
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public void close() {
        file.close();
    }
}
