package dev.canal.engine.generate;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.ModelInfo;
import dev.canal.engine.backend.Placement;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.backend.cuda.CudaProbe;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.Architecture;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.ModelFormat;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.tokenizer.BackgroundTokenizer;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.engine.weights.WeightStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens a model in any known format (Hugging Face directories built in, others through {@link ModelFormat}
 * providers), picks the architecture and binds the weights to the backends asked for (the CPU, a GPU, or a GPU
 * for the last layers and the CPU for the rest).
 */
public final class ModelLoader {
    /** Default context when the caller does not ask for one: enough for chat, small enough for any KV budget. */
    private static final int DEFAULT_CONTEXT = 4096;

    private ModelLoader() {
    }

    public static Model load(Path path, LoadOptions options) {
        long t0 = System.nanoTime();
        ModelSource source = open(path);
        Backends backends = null;
        try {
            ModelConfig config = source.config();
            Architecture architecture = Architectures.forConfig(config);
            backends = backends(options, source, config.numHiddenLayers());
            Placement placement = backends.placement();
            DecoderModel decoder;
            try {
                decoder = architecture.load(config, source.weights(), placement);
                if (backends.offload() != null && backends.offload().gpuBytes() > 0) {
                    // the bar ends full: vectors converted to f32 on the way are not counted tensor by tensor
                    options.progress().uploaded(backends.offload().gpuBytes(), backends.offload().gpuBytes());
                }
            } catch (RuntimeException e) {
                tokenizer(source); // a bad tokenizer is reported first, as when it was read before the weights
                throw e;
            }
            Tokenizer tokenizer = tokenizer(source);
            int context = options.contextLength() > 0 ? options.contextLength()
                    : Math.min(config.maxPositionEmbeddings(), DEFAULT_CONTEXT);
            long loadMillis = (System.nanoTime() - t0) / 1_000_000;
            WeightStore weights = source.weights();
            String where = backends.describe();
            String why = placement.last() instanceof CudaBackend cuda ? whyGpu(cuda) : whyCpu();
            ModelInfo info = new ModelInfo(source.location(), describe(architecture, config), weights.parameterCount(),
                    weights.byteSize(), types(weights), context, config.vocabSize(), where, why, loadMillis);
            return new LoadedModel(decoder, tokenizer, source.chatTemplate(), source.eosTokenIds(), context,
                    options.batchSize(), info, backends, weights);
        } catch (RuntimeException e) {
            if (backends != null) backends.close();
            source.close();
            throw e;
        }
    }


    /** A format may read its tokenizer while the weights are bound; its errors are load errors all the same. */
    private static Tokenizer tokenizer(ModelSource source) {
        return source.tokenizer() instanceof BackgroundTokenizer background ? background.await() : source.tokenizer();
    }

    /** The source of the first format that recognises the path. */
    public static ModelSource open(Path path) {
        if (!Files.exists(path)) throw new CanalException(path + ": no such file or directory");
        List<ModelFormat> formats = formats();
        for (ModelFormat f : formats) {
            if (f.canOpen(path)) return f.open(path);
        }
        List<String> names = formats.stream().map(ModelFormat::name).toList();
        throw new CanalException(path + ": not a model this build can open (formats: " + String.join(", ", names)
                + "; a Hugging Face directory with config.json, *.safetensors and tokenizer.json"
                + (names.contains("gguf") ? ", or a .gguf file)" : ")"));
    }

    private static List<ModelFormat> formats() {
        List<ModelFormat> all = new ArrayList<>();
        all.add(new HfDirectoryFormat());
        ServiceLoader.load(ModelFormat.class, ModelLoader.class.getClassLoader()).forEach(all::add);
        return all;
    }

    /**
     * The backends {@code options} ask for, to run {@code source}'s {@code layers} layers: the CPU, or a GPU with as
     * many layers as fit its free memory (or as {@link LoadOptions#gpuLayers} asks) and the CPU for the rest. A GPU
     * that cannot run says why, and one that cannot hold even the output head and a layer says by how much, as load
     * errors before any upload.
     */
    public static Backends backends(LoadOptions options, ModelSource source, int layers) {
        int gpu = options.cudaOrdinal();
        if (gpu < 0) return new Backends(Placement.single(new CpuBackend(options.threads())), null, options.threads());
        CudaBackend cuda = CudaBackend.open(gpu);
        try {
            long[] memory = cuda.memoryInfo();
            OffloadPlan plan = OffloadPlan.plan(source.weights(), layers, cuda.name() + " (" + cuda.device().name()
                    + ")", memory[0], memory[1], CudaBackend.HEADROOM, cuda.device().readsWeightsInPlace(),
                    options.gpuLayers());
            cuda.reportUploads(plan.gpuBytes(), options.progress());
            Placement placement = plan.whole() ? Placement.single(cuda)
                    : new Placement(new CpuBackend(options.threads()), cuda, plan.firstGpuLayer());
            return new Backends(placement, plan, options.threads());
        } catch (RuntimeException e) {
            cuda.close();
            throw e;
        }
    }

    /**
     * Why the CPU runs the model, in one line. The CUDA backend is not chosen on its own until it has been proven on
     * a GPU; where no GPU is usable the probe says why (driver missing, no device, …).
     */
    private static String whyCpu() {
        CudaProbe.Result cuda = CudaProbe.probe();
        return cuda.unavailable().map(reason -> "GPU not used: " + reason)
                .orElse("GPU not used: " + cuda.devices().size() + " CUDA device(s) found; the CUDA backend runs only"
                        + " when asked for (--device cuda) until it has been verified on a GPU (see 'doctor')");
    }

    /** The line that says which kernel-table row the GPU runs, the rule that chose it, and how prefill multiplies. */
    private static String whyGpu(CudaBackend cuda) {
        return cuda.device().name() + ", " + cuda.device().sm() + ": " + cuda.choice().rule() + ": "
                + cuda.choice().reason() + " Prefill matmuls: " + cuda.prefillMatmuls() + ".";
    }

    private static String describe(Architecture a, ModelConfig c) {
        return a.name() + (c.architectures().isEmpty() ? "" : " (" + String.join(", ", c.architectures()) + ")");
    }

    /** "F32", or e.g. "{BF16=200, F32=65}" when mixed: tensors per dtype or block format. */
    private static String types(WeightStore w) {
        TreeMap<String, Integer> counts = new TreeMap<>();
        for (String name : w.names()) {
            Tensor t = w.tensor(name);
            counts.merge(t.typeName(), 1, Integer::sum);
        }
        if (counts.size() <= 1) return counts.isEmpty() ? "none" : counts.firstKey();
        return counts.toString();
    }
}
