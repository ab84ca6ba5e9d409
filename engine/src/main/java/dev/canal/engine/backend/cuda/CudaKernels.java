package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.CudaCalls.check;
import static dev.canal.engine.backend.cuda.bindings.CudaDriver.*;

import dev.canal.engine.api.CanalException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * canal's fatbin loaded into the current context: kernels by name and a launcher. Arguments are packed as the
 * kernels declare them: {@code Integer} → {@code int}, {@code Float} → {@code float}, {@code Long} → a device
 * pointer or {@code long long} (both 8 bytes); the driver copies them at launch, so the packing memory is
 * released right after.
 */
public final class CudaKernels implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();

    private CudaKernels(MemorySegment module) {
        this.module = module;
    }

    /** Loads this build's fatbin (the driver picks the cubin for the device, or JITs the PTX). */
    public static CudaKernels load() {
        byte[] image = KernelImage.fatbin().orElseThrow(() -> new CanalException(KernelImage.status()));
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment staged = tmp.allocate(image.length, 16);
            staged.copyFrom(MemorySegment.ofArray(image));
            MemorySegment handle = tmp.allocate(ValueLayout.ADDRESS);
            check(cuModuleLoadData(handle, staged), "cuModuleLoadData(" + KernelImage.FATBIN + ")");
            return new CudaKernels(handle.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** The kernel named {@code name} (an extern "C" name from kernel-table.json). */
    public synchronized MemorySegment function(String name) {
        return functions.computeIfAbsent(name, n -> {
            MemorySegment handle = arena.allocate(ValueLayout.ADDRESS);
            check(cuModuleGetFunction(handle, module, arena.allocateFrom(n)), "cuModuleGetFunction(" + n + ")");
            return handle.get(ValueLayout.ADDRESS, 0);
        });
    }

    /** Launches {@code name} on the default stream. */
    public void launch(String name, int gridX, int gridY, int blockX, int blockY, int sharedBytes, Object... args) {
        MemorySegment fn = function(name);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment params = tmp.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment slot = switch (args[i]) {
                    case Integer v -> tmp.allocateFrom(ValueLayout.JAVA_INT, v);
                    case Long v -> tmp.allocateFrom(ValueLayout.JAVA_LONG, v);
                    case Float v -> tmp.allocateFrom(ValueLayout.JAVA_FLOAT, v);
                    default -> throw new IllegalArgumentException(name + " argument " + i + ": "
                            + args[i].getClass().getSimpleName() + " (pass Integer, Long or Float)");
                };
                params.setAtIndex(ValueLayout.ADDRESS, i, slot);
            }
            check(cuLaunchKernel(fn, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, MemorySegment.NULL, params,
                    MemorySegment.NULL), "cuLaunchKernel(" + name + ")");
        }
    }

    @Override
    public void close() {
        check(cuModuleUnload(module), "cuModuleUnload");
        arena.close();
    }
}
