package dev.canal.engine.generate;

import dev.canal.engine.backend.Placement;
import dev.canal.engine.backend.cuda.CudaBackend;

/**
 * The backends a load opened and how the model is split between them: {@code offload} is null on the CPU alone.
 * Closing closes each backend once.
 */
public record Backends(Placement placement, OffloadPlan offload, int cpuThreads) implements AutoCloseable {

    /** For the load line: e.g. "cpu (2 threads)", "cuda:0", or "cuda:0 (layers 6-15 …) + cpu (…)". */
    public String describe() {
        if (!(placement.last() instanceof CudaBackend cuda)) return "cpu (" + cpuThreads + " threads)";
        return offload.describe(cuda.name(), cpuThreads);
    }

    @Override
    public void close() {
        try {
            placement.last().close();
        } finally {
            if (placement.split()) placement.first().close();
        }
    }
}
