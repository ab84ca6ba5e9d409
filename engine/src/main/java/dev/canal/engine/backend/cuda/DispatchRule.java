package dev.canal.engine.backend.cuda;

/** Which rule of the kernel table chose a device's row (in the order they are tried). */
public enum DispatchRule {
    /** The table has a buildable row for exactly this SM: its cubin runs. */
    EXACT,
    /** No row for this SM; the highest row of the same major at or below it (cubins are binary compatible there). */
    SAME_MAJOR,
    /** Newer than every row of its major (or a new major): the driver JIT-compiles the fatbin's PTX. */
    PTX_JIT,
    /** Nothing in the fatbin can run on it: every op runs on the CPU backend. */
    CPU
}
