package dev.canal.engine.backend.cuda;

import java.util.Comparator;
import java.util.Optional;

/**
 * Picks the kernel-table row for a device's compute capability. The rules follow what the driver can load from
 * the fatbin: a cubin for sm_XY runs on sm_XZ for Z ≥ Y (same major only), PTX for compute_N JIT-compiles for
 * any SM ≥ N, and nothing runs on an SM older than the oldest target.
 */
public final class KernelDispatch {

    /**
     * The decision for one device.
     *
     * @param row    the row whose kernels and fallbacks apply; empty when no row describes the device
     * @param rule   the rule that chose it
     * @param reason one sentence for {@code doctor}
     */
    public record Choice(Optional<KernelTable.Row> row, DispatchRule rule, String reason) {
        /** Whether GPU kernels run for this device (false: the CPU backend runs everything). */
        public boolean gpu() {
            return rule != DispatchRule.CPU;
        }
    }

    private KernelDispatch() {
    }

    /** Chooses with the table shipped in this build. */
    public static Choice choose(int major, int minor) {
        return choose(KernelTable.get(), major, minor);
    }

    public static Choice choose(KernelTable table, int major, int minor) {
        int sm = major * 10 + minor;
        String device = "sm_" + sm;
        Optional<KernelTable.Row> exact = table.row(sm);
        if (exact.isPresent() && exact.get().buildable()) {
            return new Choice(exact, DispatchRule.EXACT, device + " has its own row (" + exact.get().name()
                    + "): its cubin runs.");
        }
        if (exact.isPresent()) {
            return new Choice(exact, DispatchRule.CPU, device + " (" + exact.get().name() + "): "
                    + exact.get().note() + ".");
        }
        Optional<KernelTable.Row> sameMajor = table.rows().stream()
                .filter(r -> r.buildable() && r.major() == major && r.minor() <= minor)
                .max(Comparator.comparingInt(KernelTable.Row::sm));
        if (sameMajor.isPresent()) {
            return new Choice(sameMajor, DispatchRule.SAME_MAJOR, device + " has no row; the " + sameMajor.get().smName()
                    + " cubin runs on it (same major, binary compatible).");
        }
        if (sm >= table.ptxSm()) {
            KernelTable.Row ptxRow = table.row(table.ptxSm()).orElseThrow();
            return new Choice(Optional.of(ptxRow), DispatchRule.PTX_JIT, device + " is newer than every row of its major;"
                    + " the driver JIT-compiles the fatbin's compute_" + table.ptxSm() + " PTX (first load is slower;"
                    + " the " + ptxRow.smName() + " row's ops apply).");
        }
        int oldest = table.buildableSms().getFirst();
        return new Choice(Optional.empty(), DispatchRule.CPU, device + " is not supported by this build (cubins for sm_"
                + oldest + " and newer; PTX compute_" + table.ptxSm() + " only JIT-compiles for newer GPUs):"
                + " every op runs on the CPU backend.");
    }
}
