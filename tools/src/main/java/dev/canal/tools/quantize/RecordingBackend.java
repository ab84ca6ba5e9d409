package dev.canal.tools.quantize;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.Tensor;

import java.util.Map;

/**
 * A backend that runs everything on another one and, on the way, records the inputs of chosen linear layers:
 * calibration sees exactly the activations canal's own forward pass produces, without a second model
 * implementation. Only {@link #matmul} looks at its arguments; every other op is delegated untouched.
 */
final class RecordingBackend implements Backend {
    private final Backend delegate;
    /** Weight tensor name → statistics of the inputs multiplied with it. */
    private final Map<String, InputStatistics> recorded;
    private float[] row = new float[0];

    RecordingBackend(Backend delegate, Map<String, InputStatistics> recorded) {
        this.delegate = delegate;
        this.recorded = recorded;
    }

    @Override
    public void matmul(Activations out, Activations x, Weight w, int rows) {
        InputStatistics stats = recorded.get(w.tensor().name());
        if (stats != null) {
            if (row.length < x.cols()) row = new float[x.cols()];
            for (int r = 0; r < rows; r++) {
                delegate.read(x, r, row);
                stats.add(row);
            }
        }
        delegate.matmul(out, x, w, rows);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Weight weight(Tensor tensor) {
        return delegate.weight(tensor);
    }

    @Override
    public Activations allocate(int rows, int cols) {
        return delegate.allocate(rows, cols);
    }

    @Override
    public KvCache allocateKvCache(int layers, int kvHeads, int headDim, int capacity) {
        return delegate.allocateKvCache(layers, kvHeads, headDim, capacity);
    }

    @Override
    public void embed(Activations out, Weight table, int[] tokens, int rows) {
        delegate.embed(out, table, tokens, rows);
    }

    @Override
    public void rmsNorm(Activations out, Activations x, Weight weight, float eps, int rows) {
        delegate.rmsNorm(out, x, weight, eps, rows);
    }

    @Override
    public void addBias(Activations x, Weight bias, int rows) {
        delegate.addBias(x, bias, rows);
    }

    @Override
    public void rope(Activations x, int heads, Rope rope, int startPos, int rows) {
        delegate.rope(x, heads, rope, startPos, rows);
    }

    @Override
    public void attention(Activations out, Activations q, Activations k, Activations v, KvCache cache, int layer,
                          int startPos, int rows, AttentionShape shape) {
        delegate.attention(out, q, k, v, cache, layer, startPos, rows, shape);
    }

    @Override
    public void swiglu(Activations gate, Activations up, int rows) {
        delegate.swiglu(gate, up, rows);
    }

    @Override
    public void add(Activations x, Activations y, int rows) {
        delegate.add(x, y, rows);
    }

    @Override
    public void copyRow(Activations dst, int dstRow, Activations src, int srcRow) {
        delegate.copyRow(dst, dstRow, src, srcRow);
    }

    @Override
    public void read(Activations x, int row, float[] dst) {
        delegate.read(x, row, dst);
    }

    @Override
    public void write(Activations x, int row, float[] src) {
        delegate.write(x, row, src);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
