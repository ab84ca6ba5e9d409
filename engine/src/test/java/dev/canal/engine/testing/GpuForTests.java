package dev.canal.engine.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.backend.cuda.CudaProbe;
import dev.canal.engine.backend.cuda.KernelDispatch;
import dev.canal.engine.backend.cuda.KernelImage;

/** For tests that need a GPU the CUDA backend can run: they are skipped, with the reason, where there is none. */
public final class GpuForTests {
    private GpuForTests() {
    }

    /** The first GPU, once a driver, a device, this build's kernels and a kernel-table row for its SM are there. */
    public static CudaDevice require() {
        CudaProbe.Result probe = CudaProbe.probe();
        assumeTrue(probe.available(), "needs a GPU: " + probe.unavailable().orElse(""));
        assumeTrue(KernelImage.fatbin().isPresent(), KernelImage.status());
        CudaDevice d = probe.devices().getFirst();
        KernelDispatch.Choice choice = KernelDispatch.choose(d.major(), d.minor());
        assumeTrue(choice.gpu(), d.name() + ": " + choice.reason());
        return d;
    }
}
