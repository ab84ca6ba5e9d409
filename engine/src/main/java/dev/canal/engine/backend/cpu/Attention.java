package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import dev.canal.engine.backend.AttentionShape;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Causal grouped-query attention over the KV cache, parallel over (query row, head) pairs. Each pair scores its
 * visible keys into a per-worker buffer, takes a max-subtracted softmax (stable for any score range) and sums the
 * values with those weights.
 */
final class Attention {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final ThreadPool pool;
    private final float[][] scores;
    private final ThreadPool.Chunk chunk = this::pairs;

    // The running op, read by the workers (published by the pool).
    private float[] out;
    private float[] q;
    private MemorySegment keys;
    private MemorySegment values;
    private CpuKvCache cache;
    private AttentionShape shape;
    private int startPos;

    Attention(ThreadPool pool) {
        this.pool = pool;
        this.scores = new float[pool.threads()][0];
    }

    /** Attends rows [0, rows) of q whose keys and values are already in the cache at [startPos, startPos + rows). */
    void run(CpuActivations out, CpuActivations q, CpuKvCache cache, int layer, int startPos, int rows,
             AttentionShape shape) {
        this.out = out.data();
        this.q = q.data();
        this.keys = cache.keys(layer);
        this.values = cache.values(layer);
        this.cache = cache;
        this.shape = shape;
        this.startPos = startPos;
        try {
            pool.parallelFor(rows * shape.heads(), 1, chunk);
        } finally {
            this.out = null;
            this.q = null;
            this.keys = null;
            this.values = null;
            this.cache = null;
        }
    }

    /** Pairs [start, end) of rows × heads; pair i is query row i / heads, head i % heads. */
    private void pairs(int worker, int start, int end) {
        int heads = shape.heads();
        int headDim = shape.headDim();
        int group = heads / shape.kvHeads();
        int window = shape.slidingWindow();
        int cols = heads * headDim;
        for (int i = start; i < end; i++) {
            int row = i / heads;
            int head = i % heads;
            int position = startPos + row;
            int first = window > 0 ? Math.max(0, position - window + 1) : 0;
            int count = position - first + 1;
            if (scores[worker].length < count) {
                scores[worker] = new float[Math.max(count, 2 * scores[worker].length)]; // grows, then is reused
            }
            attendOne(q, row * cols + head * headDim, head / group, first, count, scores[worker],
                    out, row * cols + head * headDim);
        }
    }

    private void attendOne(float[] q, int qOff, int kvHead, int first, int count, float[] s, float[] out,
                           int outOff) {
        int headDim = shape.headDim();
        float scale = shape.scale();
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < count; j++) {
            float score = dot(q, qOff, keys, cache.offset(first + j, kvHead), headDim) * scale;
            s[j] = score;
            max = Math.max(max, score);
        }
        float sum = 0;
        for (int j = 0; j < count; j++) {
            float e = (float) Math.exp(s[j] - max);
            s[j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int j = 0; j < count; j++) {
            accumulate(out, outOff, s[j] * inv, values, cache.offset(first + j, kvHead), headDim);
        }
    }

    private static float dot(float[] q, int qOff, MemorySegment k, long kOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector kv = FloatVector.fromMemorySegment(F, k, kOff + (long) i * Float.BYTES, NATIVE);
            acc = FloatVector.fromArray(F, q, qOff + i).fma(kv, acc);
        }
        float sum = LaneSums.sum(acc);
        for (; i < n; i++) {
            sum = Math.fma(q[qOff + i], k.get(ValueLayout.JAVA_FLOAT, kOff + (long) i * Float.BYTES), sum);
        }
        return sum;
    }

    /** out[outOff, outOff + n) += weight · v[vOff ..]. */
    private static void accumulate(float[] out, int outOff, float weight, MemorySegment v, long vOff, int n) {
        FloatVector wv = FloatVector.broadcast(F, weight);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector vv = FloatVector.fromMemorySegment(F, v, vOff + (long) i * Float.BYTES, NATIVE);
            vv.fma(wv, FloatVector.fromArray(F, out, outOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float vi = v.get(ValueLayout.JAVA_FLOAT, vOff + (long) i * Float.BYTES);
            out[outOff + i] = Math.fma(vi, weight, out[outOff + i]);
        }
    }
}
