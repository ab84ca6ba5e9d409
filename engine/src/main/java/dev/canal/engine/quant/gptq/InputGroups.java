package dev.canal.engine.quant.gptq;

import java.util.Arrays;

/**
 * Which scale/zero group each input feature uses (GPTQ's g_idx), seen as runs of consecutive inputs sharing a
 * group. Without act-order the runs are the groups themselves (G inputs each, in order); with act-order
 * (desc_act) g_idx is an arbitrary assignment and runs are short. When every run starts at a qweight word row
 * ({@link #wordAligned()}), a kernel can sum x · q over a run and apply the group's scale and zero once per run.
 */
final class InputGroups {
    private final int[] groupOf;
    private final int groups;
    /** Run r covers inputs [starts[r], starts[r + 1]) with group runGroup[r]. */
    private final int[] starts;
    private final int[] runGroup;
    private final boolean wordAligned;

    InputGroups(int[] groupOf, int groups, int perWord) {
        this.groupOf = groupOf;
        this.groups = groups;
        int n = groupOf.length;
        int[] s = new int[n + 1];
        int[] g = new int[n];
        int runs = 0;
        boolean aligned = true;
        for (int i = 0; i < n; i++) {
            if (i == 0 || groupOf[i] != groupOf[i - 1]) {
                s[runs] = i;
                g[runs] = groupOf[i];
                runs++;
                if (i % perWord != 0) aligned = false;
            }
        }
        s[runs] = n;
        this.starts = Arrays.copyOf(s, runs + 1);
        this.runGroup = Arrays.copyOf(g, runs);
        this.wordAligned = aligned;
    }

    int group(int input) {
        return groupOf[input];
    }

    int groups() {
        return groups;
    }

    int runs() {
        return runGroup.length;
    }

    /** First input of run r; {@code runStart(runs())} is the input count. */
    int runStart(int r) {
        return starts[r];
    }

    int runGroup(int r) {
        return runGroup[r];
    }

    /** Whether every run begins at a multiple of the values per word, so no qweight word spans two runs. */
    boolean wordAligned() {
        return wordAligned;
    }

    /** Whether g_idx is GPTQ's default i / groupSize (no act-order reordering of groups). */
    boolean sequential(int groupSize) {
        for (int i = 0; i < groupOf.length; i++) if (groupOf[i] != i / groupSize) return false;
        return true;
    }
}
