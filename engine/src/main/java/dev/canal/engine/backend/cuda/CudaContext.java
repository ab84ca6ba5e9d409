package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.CudaCalls.check;
import static dev.canal.engine.backend.cuda.bindings.CudaDriver.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The primary context of one device made current on the calling thread, with device memory helpers. Device
 * pointers are {@code long}s (CUdeviceptr). Work is issued on the legacy default stream, so every call is ordered
 * after the previous one; {@link #synchronize} waits for the device.
 */
public final class CudaContext implements AutoCloseable {
    private final int device;
    private final MemorySegment context;
    private boolean closed;

    private CudaContext(int device, MemorySegment context) {
        this.device = device;
        this.context = context;
    }

    /** Retains device {@code ordinal}'s primary context and makes it current on this thread. */
    public static CudaContext open(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            check(cuInit(0), "cuInit");
            MemorySegment dev = arena.allocate(ValueLayout.JAVA_INT);
            check(cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
            int device = dev.get(ValueLayout.JAVA_INT, 0);
            MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
            check(cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain");
            MemorySegment context = ctx.get(ValueLayout.ADDRESS, 0);
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            return new CudaContext(device, context);
        }
    }

    /** Makes this context current on the calling thread (contexts are per thread). */
    public void makeCurrent() {
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Bytes of device memory free now, and the device's total: {free, total}. */
    public long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG), total = arena.allocate(ValueLayout.JAVA_LONG);
            check(cuMemGetInfo_v2(free, total), "cuMemGetInfo");
            return new long[] {free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    public long alloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ValueLayout.JAVA_LONG);
            check(cuMemAlloc_v2(p, bytes), "cuMemAlloc(" + bytes + " bytes)");
            return p.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    public void free(long devicePointer) {
        check(cuMemFree_v2(devicePointer), "cuMemFree");
    }

    /** Copies all of {@code host} to {@code devicePointer}; a heap segment goes through a native staging copy. */
    public void upload(long devicePointer, MemorySegment host) {
        if (!host.isNative()) {
            try (Arena arena = Arena.ofConfined()) {
                upload(devicePointer, arena.allocate(host.byteSize(), 16).copyFrom(host));
                return;
            }
        }
        check(cuMemcpyHtoD_v2(devicePointer, host, host.byteSize()), "cuMemcpyHtoD(" + host.byteSize() + " bytes)");
    }

    /** Copies {@code host.byteSize()} bytes from {@code devicePointer} into {@code host} (native memory). */
    public void download(MemorySegment host, long devicePointer) {
        if (!host.isNative()) throw new IllegalArgumentException("download into a heap segment: pass native memory");
        check(cuMemcpyDtoH_v2(host, devicePointer, host.byteSize()), "cuMemcpyDtoH(" + host.byteSize() + " bytes)");
    }

    /** Allocates device memory holding a copy of {@code host}. */
    public long copyOf(MemorySegment host) {
        long p = alloc(Math.max(1, host.byteSize()));
        upload(p, host);
        return p;
    }

    public void synchronize() {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        check(cuDevicePrimaryCtxRelease_v2(device), "cuDevicePrimaryCtxRelease");
    }
}
