package dev.canal.engine.backend.cuda;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The nvcc command line of the kernel build, derived from the kernel table: a cubin for every buildable row and
 * PTX for the table's {@code ptx} SM (so GPUs newer than every row still JIT-compile the kernels). Rows the
 * toolkit cannot target (sm_70 with CUDA 13) are left out by construction.
 */
public final class NvccArguments {
    private NvccArguments() {
    }

    /** {@code -gencode} pairs: {@code arch=compute_N,code=sm_N} per buildable row, then the PTX one. */
    public static List<String> gencode(KernelTable table) {
        List<String> args = new ArrayList<>();
        for (int sm : table.buildableSms()) {
            args.add("-gencode");
            args.add("arch=compute_" + sm + ",code=sm_" + sm);
        }
        args.add("-gencode");
        args.add("arch=compute_" + table.ptxSm() + ",code=compute_" + table.ptxSm());
        return args;
    }

    /**
     * The whole argument list for one fatbin from one translation unit. {@code --threads 0} compiles the
     * targets in parallel on every core (the targets are independent; CI has two cores).
     */
    public static List<String> fatbin(KernelTable table, Path source, Path output) {
        List<String> args = new ArrayList<>(List.of("-fatbin", "-O3", "-std=c++17", "--threads", "0"));
        args.addAll(gencode(table));
        args.addAll(List.of("-o", output.toString(), source.toString()));
        return args;
    }
}
