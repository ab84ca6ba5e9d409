package dev.canal.engine.testing;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** A product through a backend's own ops, for tests that hold a backend's matmul against a reference. */
public final class BackendProducts {
    private BackendProducts() {
    }

    /**
     * x (rows × in, put on the backend through an F32 embedding table, the one way in) times {@code weight}ᵀ
     * ([out, in]), read back row by row: rows × out floats.
     */
    public static float[] multiply(Backend be, Tensor weight, float[] x, int rows) {
        int out = (int) weight.dim(0), in = (int) weight.dim(1);
        Tensor table = new Tensor("x", DType.F32, new long[] {rows, in}, MemorySegment.ofArray(x.clone()));
        Activations xa = be.allocate(rows, in), ya = be.allocate(rows, out);
        int[] ids = new int[rows];
        for (int r = 0; r < rows; r++) ids[r] = r;
        be.embed(xa, be.weight(table), ids, rows);
        be.matmul(ya, xa, be.weight(weight), rows);
        float[] y = new float[rows * out], row = new float[out];
        for (int r = 0; r < rows; r++) {
            be.read(ya, r, row);
            System.arraycopy(row, 0, y, r * out, out);
        }
        return y;
    }
}
