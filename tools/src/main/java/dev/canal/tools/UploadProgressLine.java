package dev.canal.tools;

import dev.canal.engine.api.LoadProgress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress bar of weights being copied to a GPU: one stderr line redrawn with a carriage return each time the
 * percentage moves, ended by a newline when the copy is complete.
 */
final class UploadProgressLine implements LoadProgress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String gpu;
    private int shown = -1;

    UploadProgressLine(PrintStream out, String gpu) {
        this.out = out;
        this.gpu = gpu;
    }

    @Override
    public void uploaded(long done, long total) {
        int percent = (int) (100 * done / Math.max(1, total));
        if (percent == shown) return;
        shown = percent;
        int filled = percent * WIDTH / 100;
        boolean gib = total >= 1L << 30;
        double unit = gib ? 1L << 30 : 1 << 20;
        out.printf(Locale.ROOT, "\rcopying weights to %s [%s%s] %3d%% (%.2f of %.2f %s)", gpu, "#".repeat(filled),
                " ".repeat(WIDTH - filled), percent, done / unit, total / unit, gib ? "GiB" : "MiB");
        if (done >= total) out.println();
        out.flush();
    }
}
