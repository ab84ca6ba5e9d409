package dev.canal.tools;

import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.backend.cuda.CudaProbe;
import dev.canal.engine.backend.cuda.KernelDispatch;
import dev.canal.engine.backend.cuda.KernelImage;
import dev.canal.engine.backend.cuda.KernelTable;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code canal doctor}: what this machine can run and why. The CUDA driver and libraries (or why they were not
 * found), each GPU with the kernel-table row and the rule that chose it, which weight formats run natively,
 * emulated or not at all there, the CPU's vector capabilities, and what to install for what is missing.
 */
@Command(name = "doctor", usageHelpAutoWidth = true,
        description = {"Reports the GPUs and CPU features canal can use here, and what to install for the rest."})
final class DoctorCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    private final Io io;

    DoctorCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        report(io.out(), CudaProbe.probe(), CudaLibraries.status(), KernelImage.status(), CpuInfo.detect());
        return 0;
    }

    /** The CPU side of the report. */
    record CpuInfo(int cores, Optional<Integer> vectorBits, String os, String arch) {
        static CpuInfo detect() {
            return new CpuInfo(Runtime.getRuntime().availableProcessors(), preferredVectorBits(),
                    System.getProperty("os.name"), System.getProperty("os.arch"));
        }

        /** FloatVector.SPECIES_PREFERRED's size, read reflectively: the module may not be in the boot layer. */
        private static Optional<Integer> preferredVectorBits() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return Optional.empty();
            try {
                Class<?> floatVector = Class.forName("jdk.incubator.vector.FloatVector");
                Object species = floatVector.getField("SPECIES_PREFERRED").get(null);
                Class<?> vectorSpecies = Class.forName("jdk.incubator.vector.VectorSpecies");
                return Optional.of((Integer) vectorSpecies.getMethod("vectorBitSize").invoke(species));
            } catch (ReflectiveOperationException e) {
                return Optional.empty();
            }
        }
    }

    static void report(PrintStream out, CudaProbe.Result cuda, List<CudaLibraries.Status> libraries, String kernels,
                       CpuInfo cpu) {
        List<String> install = new ArrayList<>();
        out.println("CUDA");
        if (cuda.available()) {
            out.println("  driver:   " + cuda.driverVersionText() + " (" + cuda.driverVersion() + ")");
        } else {
            out.println("  driver:   " + cuda.unavailable().orElseThrow());
        }
        for (CudaLibraries.Status s : libraries) {
            if (s.library() == CudaLibraries.Library.DRIVER) continue;
            out.println("  " + s.reason()); // "cuBLAS: loaded …" or "cuBLAS: … not found (searched …)"
        }
        out.println("  kernels:  " + kernels + " (table for " + KernelTable.get().toolkit() + ")");

        boolean driverMissing = libraries.stream()
                .anyMatch(s -> s.library() == CudaLibraries.Library.DRIVER && !s.available());
        if (driverMissing) {
            install.add("for NVIDIA GPUs: the NVIDIA driver (libcuda.so.1; CUDA 13 kernels need driver 580 or newer),"
                    + " or set " + CudaLibraries.LIB_DIR_ENV + " to the directory that holds it");
        }
        if (cuda.devices().isEmpty()) {
            out.println("  GPUs:     none" + (cuda.available() ? "" : " usable here") + " — canal runs on the CPU");
        }
        for (CudaDevice d : cuda.devices()) device(out, d);
        if (!cuda.devices().isEmpty()) {
            for (CudaLibraries.Status s : libraries) {
                if (s.library() != CudaLibraries.Library.DRIVER && !s.available()) {
                    install.add(s.library().title() + " 13 (" + s.library().files().getFirst() + ": the toolkit's "
                            + (s.library() == CudaLibraries.Library.CUBLAS ? "libcublas" : "libcublasLt")
                            + " package, or pip's nvidia-cublas), or set " + CudaLibraries.LIB_DIR_ENV
                            + (s.library() == CudaLibraries.Library.CUBLAS
                            ? "; without it prefill runs on the GEMV kernels"
                            : "; without it FP8 and NVFP4 prefill runs on canal's GEMM kernels"));
                }
            }
            if (kernels.startsWith("this build has no kernels")) {
                install.add("a build with kernels: rebuild canal with the CUDA 13 toolkit (nvcc) installed");
            }
        }

        out.println("CPU");
        out.println("  cores:    " + cpu.cores() + " (" + cpu.os() + ", " + cpu.arch() + ")");
        if (cpu.vectorBits().isPresent()) {
            out.println("  vectors:  jdk.incubator.vector present; preferred species " + cpu.vectorBits().get()
                    + " bits (" + cpu.vectorBits().get() / 32 + " floats per vector)");
        } else {
            out.println("  vectors:  jdk.incubator.vector not present: the CPU kernels need it");
            install.add("run with --add-modules jdk.incubator.vector (engine.jar's launcher adds it)");
        }

        if (install.isEmpty()) {
            out.println("Nothing to install.");
        } else {
            out.println("To install");
            for (String s : install) out.println("  - " + s);
        }
    }

    private static void device(PrintStream out, CudaDevice d) {
        out.printf(Locale.ROOT, "GPU %d: %s, %s, %.1f GiB, %d SMs, %s%n", d.ordinal(), d.name(), d.sm(),
                d.totalMemory() / (double) (1L << 30), d.multiprocessors(),
                d.readsWeightsInPlace() ? "unified memory (weights are read in place from the mapped files)"
                        : d.unifiedMemory() ? "unified memory (weights are copied into the GPU's own memory)"
                        : "discrete memory (weights are copied to the GPU)");
        KernelDispatch.Choice c = KernelDispatch.choose(d.major(), d.minor());
        out.println("  rule:     " + c.rule() + ": " + c.reason());
        if (c.row().isEmpty() || !c.gpu()) {
            out.println("  formats:  none on this GPU: every op runs on the CPU backend");
            return;
        }
        KernelTable.Row row = c.row().get();
        out.println("  row:      " + row.smName() + " " + row.name());
        out.println("  features: " + String.join(", ", row.features().present()));
        // As the backend runs each format on this row (a library path it does not call yet counts as its fallback).
        Map<String, KernelTable.Mode> modes = new LinkedHashMap<>();
        for (String format : KernelTable.FORMAT_OPS.keySet()) modes.put(format, CudaBackend.mode(row, format));
        for (KernelTable.Mode mode : KernelTable.Mode.values()) {
            List<String> formats = modes.entrySet().stream().filter(e -> e.getValue() == mode)
                    .map(Map.Entry::getKey).toList();
            String label = switch (mode) {
                case NATIVE -> "  native:   ";
                case EMULATED -> "  emulated: ";
                case CPU -> "  on CPU:   ";
            };
            out.println(label + (formats.isEmpty() ? "-" : String.join(", ", formats)));
        }
        out.println("  cuBLASLt: " + CudaBackend.cublasLtPrefill(row));
        out.println("  use:      --device cuda" + (d.ordinal() == 0 ? "" : ":" + d.ordinal()) + " (the CUDA backend"
                + " is not chosen on its own until it has been verified on a GPU)");
    }
}
