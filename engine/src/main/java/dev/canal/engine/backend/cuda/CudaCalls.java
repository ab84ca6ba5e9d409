package dev.canal.engine.backend.cuda;

import dev.canal.engine.api.CanalException;

import java.lang.foreign.Arena;

/** Turns a failed driver call into a one-line exception naming the call and the driver's own words. */
final class CudaCalls {
    private CudaCalls() {
    }

    static void check(int result, String call) {
        if (result == dev.canal.engine.backend.cuda.bindings.CudaDriver.CUDA_SUCCESS) return;
        try (Arena arena = Arena.ofConfined()) {
            throw new CanalException(call + " failed: " + CudaProbe.errorText(result, arena));
        }
    }
}
