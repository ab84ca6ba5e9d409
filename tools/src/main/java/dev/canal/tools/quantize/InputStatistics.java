package dev.canal.tools.quantize;

import java.util.SplittableRandom;

/**
 * What calibration learns about the input of one linear layer: the mean absolute value of each input channel over
 * every calibration token (the "activation salience" AWQ scales by), and a bounded uniform sample of whole input rows
 * (reservoir sampling with a fixed seed, so runs repeat) on which the scale search measures output error.
 */
final class InputStatistics {
    private final int channels;
    private final int maxRows;
    private final double[] sumAbs;
    private final float[] sample;
    private final SplittableRandom random;
    private long seen;

    InputStatistics(int channels, int maxRows, long seed) {
        this.channels = channels;
        this.maxRows = maxRows;
        this.sumAbs = new double[channels];
        this.sample = new float[Math.multiplyExact(channels, maxRows)];
        this.random = new SplittableRandom(seed);
    }

    int channels() {
        return channels;
    }

    /** Adds one input row (its first {@link #channels()} values). */
    void add(float[] row) {
        for (int c = 0; c < channels; c++) sumAbs[c] += Math.abs(row[c]);
        int slot;
        if (seen < maxRows) {
            slot = (int) seen;
        } else {
            long r = random.nextLong(seen + 1);
            slot = r < maxRows ? (int) r : -1;
        }
        if (slot >= 0) System.arraycopy(row, 0, sample, slot * channels, channels);
        seen++;
    }

    /** Rows seen so far. */
    long rowsSeen() {
        return seen;
    }

    /** Mean |x| per input channel. */
    float[] meanAbs() {
        float[] mean = new float[channels];
        for (int c = 0; c < channels; c++) mean[c] = seen == 0 ? 0f : (float) (sumAbs[c] / seen);
        return mean;
    }

    /** Rows in {@link #sample()}. */
    int sampleRows() {
        return (int) Math.min(seen, maxRows);
    }

    /** The sampled rows, row-major [sampleRows, channels] (a copy). */
    float[] sample() {
        float[] rows = new float[sampleRows() * channels];
        System.arraycopy(sample, 0, rows, 0, rows.length);
        return rows;
    }
}
