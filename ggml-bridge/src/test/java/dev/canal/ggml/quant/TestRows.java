package dev.canal.ggml.quant;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded test rows: ordinary data and the edge cases that break quantizers and kernels. */
final class TestRows {
    record Row(String kind, float[] values) {
    }

    private TestRows() {
    }

    static List<Row> of(int n, long seed) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("gaussian", fill(n, () -> (float) r.nextGaussian())));
        rows.add(new Row("zeros", new float[n]));
        float[] outlier = fill(n, () -> (float) r.nextGaussian() * 0.01f);
        outlier[r.nextInt(n)] = 3000f;
        rows.add(new Row("one huge outlier", outlier));
        rows.add(new Row("negative only", fill(n, () -> -(float) Math.abs(r.nextGaussian()))));
        // large, yet below fp16's 65504 (gaussian * 1e4 stays under ~5e4), so no fp16 value or scale overflows
        rows.add(new Row("large values", fill(n, () -> (float) r.nextGaussian() * 1e4f)));
        // ~1e-4: block scales (amax/127, amax/8, ...) fall below fp16's smallest normal 6.1e-5 and are subnormal
        rows.add(new Row("subnormal scales", fill(n, () -> (float) r.nextGaussian() * 1e-4f)));
        rows.add(new Row("constant", fill(n, () -> 0.75f)));
        return rows;
    }

    static float[] gaussian(int n, Random r) {
        return fill(n, () -> (float) r.nextGaussian());
    }

    private static float[] fill(int n, java.util.function.Supplier<Float> f) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = f.get();
        return x;
    }
}
