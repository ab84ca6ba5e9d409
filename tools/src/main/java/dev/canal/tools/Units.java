package dev.canal.tools;

import java.util.Locale;

/** Human-readable counts and byte sizes: 292.9K, 1.50 GiB. */
final class Units {
    private Units() {
    }

    static String count(long n) {
        if (n < 1_000) return Long.toString(n);
        if (n < 1_000_000) return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        if (n < 1_000_000_000) return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        return String.format(Locale.ROOT, "%.2fB", n / 1e9);
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
