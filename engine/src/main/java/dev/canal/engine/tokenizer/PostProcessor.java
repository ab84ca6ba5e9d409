package dev.canal.engine.tokenizer;

import java.util.List;

/** The "post_processor" of tokenizer.json, reduced to what a single sequence needs: ids before and after it. */
record PostProcessor(int[] prefix, int[] suffix) {
    static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    int[] apply(int[] ids) {
        int[] out = new int[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(ids, 0, out, prefix.length, ids.length);
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    /** Sequence: each processor wraps what the previous one produced. */
    static PostProcessor chain(List<PostProcessor> steps) {
        PostProcessor acc = NONE;
        for (PostProcessor p : steps) {
            acc = new PostProcessor(concat(p.prefix, acc.prefix), concat(acc.suffix, p.suffix));
        }
        return acc;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
