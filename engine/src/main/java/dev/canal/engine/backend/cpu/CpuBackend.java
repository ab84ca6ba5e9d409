package dev.canal.engine.backend.cpu;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.TopK;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.Tensor;

import java.util.List;

/**
 * The pure-Java backend: heap float activations, weights read in place from their mapped files (F32, F16, BF16, or
 * block-quantized through their {@link dev.canal.engine.tensor.BlockFormat}), Vector API kernels on a fixed pool of
 * {@code threads} workers. Drive it from one thread at a time.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements an element-wise op runs on the calling thread: a hand-off costs more. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;

    private final ThreadPool pool;
    private final MatMul matMul;
    private final Attention attention;
    private final RotaryEmbedding rotary;

    /** A backend with {@code threads} ≥ 1 workers (the calling thread counts as one). */
    public CpuBackend(int threads) {
        this.pool = new ThreadPool(threads);
        this.matMul = new MatMul(pool);
        this.attention = new Attention(pool);
        this.rotary = new RotaryEmbedding(threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public Weight weight(Tensor tensor) {
        CpuWeight w = new CpuWeight(tensor);
        List<Tensor> segments = tensor.packed() != null ? tensor.packed().parts() : List.of(tensor);
        for (Tensor t : segments) {
            if (!pool.readableByWorkers(t.data())) {
                throw new IllegalArgumentException("tensor " + t.name() + ": its memory belongs to a confined arena, "
                        + "which the cpu backend's worker threads cannot read (use a shared or global arena)");
            }
        }
        return w;
    }

    @Override
    public CpuActivations allocate(int rows, int cols) {
        return new CpuActivations(rows, cols);
    }

    @Override
    public KvCache allocateKvCache(int layers, int kvHeads, int headDim, int capacity) {
        return new CpuKvCache(layers, kvHeads, headDim, capacity);
    }

    @Override
    public void embed(Activations out, Weight table, int[] tokens, int rows) {
        CpuActivations o = act(out, rows);
        CpuWeight t = weight(table);
        if (t.columns() != o.cols()) throw mismatch("embed", o, t);
        if (tokens.length < rows) throw new IllegalArgumentException(tokens.length + " tokens for " + rows + " rows");
        for (int r = 0; r < rows; r++) {
            int token = tokens[r];
            if (token < 0 || token >= t.rows()) {
                throw new CanalException("tensor " + t.tensor().name() + ": token id " + token
                        + " is outside the embedding table's " + t.rows() + " rows");
            }
            t.decodeRow(token, o.data(), r * o.cols());
        }
    }

    @Override
    public void rmsNorm(Activations out, Activations x, Weight weight, float eps, int rows) {
        CpuActivations o = act(out, rows);
        CpuActivations in = act(x, rows);
        float[] w = weight(weight).vector();
        if (o.cols() != in.cols() || in.cols() % w.length != 0) {
            throw new IllegalArgumentException("rmsNorm: x " + shape(in) + ", out " + shape(o) + ", weight "
                    + w.length);
        }
        if (rows == 1 || (long) rows * in.cols() < PARALLEL_ELEMENTS) {
            ElementWise.rmsNorm(o.data(), in.data(), in.cols(), w, eps, 0, rows);
        } else {
            pool.parallelFor(rows, 1, (worker, from, to) ->
                    ElementWise.rmsNorm(o.data(), in.data(), in.cols(), w, eps, from, to));
        }
    }

    @Override
    public void matmul(Activations out, Activations x, Weight w, int rows) {
        CpuActivations o = act(out, rows);
        CpuActivations in = act(x, rows);
        CpuWeight m = weight(w);
        if (in.cols() != m.columns() || o.cols() != m.rows()) {
            throw new IllegalArgumentException("matmul: x " + shape(in) + " · " + m.tensor() + "ᵀ into " + shape(o));
        }
        matMul.run(o, in, m, rows);
    }

    @Override
    public void addBias(Activations x, Weight bias, int rows) {
        CpuActivations a = act(x, rows);
        float[] b = weight(bias).vector();
        if (b.length != a.cols()) throw mismatch("addBias", a, weight(bias));
        ElementWise.addBias(a.data(), a.cols(), b, 0, rows);
    }

    @Override
    public void rope(Activations x, int heads, Rope rope, int startPos, int rows) {
        CpuActivations a = act(x, rows);
        if (a.cols() != heads * rope.headDim() || rope.rotaryDim() > rope.headDim()
                || rope.invFreq().length < rope.rotaryDim() / 2) {
            throw new IllegalArgumentException("rope: x " + shape(a) + " for " + heads + " heads of "
                    + rope.headDim() + ", rotaryDim " + rope.rotaryDim());
        }
        if (rows == 1 || pool.threads() == 1) {
            rotary.apply(0, a.data(), a.cols(), heads, rope, startPos, 0, rows);
        } else {
            pool.parallelFor(rows, 1, (worker, from, to) ->
                    rotary.apply(worker, a.data(), a.cols(), heads, rope, startPos, from, to));
        }
    }

    @Override
    public void attention(Activations out, Activations q, Activations k, Activations v, KvCache cache, int layer,
                          int startPos, int rows, AttentionShape shape) {
        CpuActivations o = act(out, rows);
        CpuActivations qa = act(q, rows);
        CpuActivations ka = act(k, rows);
        CpuActivations va = act(v, rows);
        if (!(cache instanceof CpuKvCache c)) {
            throw new IllegalArgumentException("not a cpu kv cache: " + cache);
        }
        int qCols = shape.heads() * shape.headDim();
        int kvCols = shape.kvHeads() * shape.headDim();
        if (qa.cols() != qCols || o.cols() != qCols || ka.cols() != kvCols || va.cols() != kvCols
                || c.kvHeads() != shape.kvHeads() || c.headDim() != shape.headDim()
                || layer < 0 || layer >= c.layers() || startPos < 0) {
            throw new IllegalArgumentException("attention: q " + shape(qa) + ", k " + shape(ka) + ", v " + shape(va)
                    + ", out " + shape(o) + " do not fit " + shape + " / cache layers=" + c.layers() + " kvHeads="
                    + c.kvHeads() + " headDim=" + c.headDim() + " at layer " + layer + ", start " + startPos);
        }
        if (startPos + rows > c.capacity()) {
            throw new CanalException("context full: positions up to " + (startPos + rows) + " requested, the kv "
                    + "cache holds " + c.capacity());
        }
        c.reserve(startPos + rows);
        for (int r = 0; r < rows; r++) {
            c.store(layer, startPos + r, ka.data(), va.data(), r * kvCols);
        }
        attention.run(o, qa, c, layer, startPos, rows, shape);
    }

    @Override
    public void swiglu(Activations gate, Activations up, int rows) {
        CpuActivations g = act(gate, rows);
        CpuActivations u = act(up, rows);
        if (g.cols() != u.cols()) throw new IllegalArgumentException("swiglu: " + shape(g) + " vs " + shape(u));
        int n = rows * g.cols();
        if (n < PARALLEL_ELEMENTS) {
            ElementWise.swiglu(g.data(), u.data(), 0, n);
        } else {
            pool.parallelFor(n, WeightLoads.F.length(), (worker, from, to) ->
                    ElementWise.swiglu(g.data(), u.data(), from, to));
        }
    }

    @Override
    public void add(Activations x, Activations y, int rows) {
        CpuActivations a = act(x, rows);
        CpuActivations b = act(y, rows);
        if (a.cols() != b.cols()) throw new IllegalArgumentException("add: " + shape(a) + " vs " + shape(b));
        ElementWise.add(a.data(), b.data(), 0, rows * a.cols());
    }

    @Override
    public void copyRow(Activations dst, int dstRow, Activations src, int srcRow) {
        CpuActivations d = act(dst, dstRow + 1);
        CpuActivations s = act(src, srcRow + 1);
        if (d.cols() != s.cols()) throw new IllegalArgumentException("copyRow: " + shape(d) + " vs " + shape(s));
        System.arraycopy(s.data(), srcRow * s.cols(), d.data(), dstRow * d.cols(), d.cols());
    }

    @Override
    public void read(Activations x, int row, float[] dst) {
        CpuActivations a = act(x, row + 1);
        System.arraycopy(a.data(), row * a.cols(), dst, 0, a.cols());
    }

    /** Selects in place from the row (no copy): a k-entry heap for small k, any k up to the row's length. */
    @Override
    public void topK(Activations x, int row, int k, float[] values, int[] ids) {
        CpuActivations a = act(x, row + 1);
        TopK.select(a.data(), row * a.cols(), a.cols(), k, values, ids);
    }

    @Override
    public void write(Activations x, int row, float[] src) {
        CpuActivations a = act(x, row + 1);
        System.arraycopy(src, 0, a.data(), row * a.cols(), a.cols());
    }

    @Override
    public void close() {
        pool.close();
    }

    private static CpuActivations act(Activations a, int rows) {
        if (!(a instanceof CpuActivations c)) throw new IllegalArgumentException("not cpu activations: " + a);
        if (rows < 0 || rows > c.rows()) {
            throw new IllegalArgumentException(rows + " rows requested of activations " + shape(c));
        }
        return c;
    }

    private static CpuWeight weight(Weight w) {
        if (!(w instanceof CpuWeight c)) throw new IllegalArgumentException("not a cpu weight: " + w.tensor());
        return c;
    }

    private static String shape(CpuActivations a) {
        return a.rows() + "x" + a.cols();
    }

    private static IllegalArgumentException mismatch(String op, CpuActivations a, CpuWeight w) {
        return new IllegalArgumentException(op + ": activations " + shape(a) + " do not match " + w.tensor());
    }
}
