package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.bindings.CudaDriver.*;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether CUDA can run here: the driver's version and each device, or the one line that says why not. Never
 * throws: a machine without the driver (or without a GPU) is an ordinary answer, not an error. It creates no
 * context, so it is cheap and leaves the GPUs untouched.
 */
public final class CudaProbe {

    /**
     * The answer.
     *
     * @param driverVersion as the driver reports it (13000 = 13.0); 0 when no driver answered
     * @param devices       empty when unavailable
     * @param unavailable   why CUDA cannot be used, empty when it can
     */
    public record Result(int driverVersion, List<CudaDevice> devices, Optional<String> unavailable) {
        public boolean available() {
            return unavailable.isEmpty();
        }

        /** "13.0" */
        public String driverVersionText() {
            return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
        }
    }

    private CudaProbe() {
    }

    public static Result probe() {
        CudaLibraries.Status driver = CudaLibraries.status(CudaLibraries.Library.DRIVER);
        if (!driver.available()) return unavailable(0, "no CUDA driver found: " + driver.detail());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            int version = 0;
            if (cuDriverGetVersion(value) == CUDA_SUCCESS) version = value.get(ValueLayout.JAVA_INT, 0);
            int r = cuInit(0);
            if (r != CUDA_SUCCESS) {
                return unavailable(version, "the CUDA driver (" + driver.loadedFrom().orElseThrow()
                        + ") did not initialise: cuInit returned " + errorText(r, arena));
            }
            check(cuDeviceGetCount(value), "cuDeviceGetCount", arena);
            int count = value.get(ValueLayout.JAVA_INT, 0);
            if (count == 0) return unavailable(version, "the CUDA driver found no GPU");
            List<CudaDevice> devices = new ArrayList<>();
            for (int i = 0; i < count; i++) devices.add(device(i, arena));
            return new Result(version, List.copyOf(devices), Optional.empty());
        } catch (CanalException e) {
            return unavailable(0, e.getMessage());
        }
    }

    private static CudaDevice device(int ordinal, Arena arena) {
        MemorySegment handle = arena.allocate(ValueLayout.JAVA_INT);
        check(cuDeviceGet(handle, ordinal), "cuDeviceGet", arena);
        int dev = handle.get(ValueLayout.JAVA_INT, 0);
        MemorySegment name = arena.allocate(256);
        check(cuDeviceGetName(name, 256, dev), "cuDeviceGetName", arena);
        MemorySegment bytes = arena.allocate(ValueLayout.JAVA_LONG);
        check(cuDeviceTotalMem_v2(bytes, dev), "cuDeviceTotalMem", arena);
        return new CudaDevice(ordinal, name.getString(0), attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, arena),
                attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, arena), bytes.get(ValueLayout.JAVA_LONG, 0),
                attribute(dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, arena),
                attribute(dev, CU_DEVICE_ATTRIBUTE_INTEGRATED, arena) != 0,
                attribute(dev, CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS, arena) != 0,
                CudaDevice.peakBandwidth(attribute(dev, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, arena),
                        attribute(dev, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, arena)));
    }

    private static int attribute(int dev, int attribute, Arena arena) {
        MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
        check(cuDeviceGetAttribute(value, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")", arena);
        return value.get(ValueLayout.JAVA_INT, 0);
    }

    private static void check(int result, String call, Arena arena) {
        if (result != CUDA_SUCCESS) throw new CanalException(call + " returned " + errorText(result, arena));
    }

    /** "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)", or the number if the driver cannot say. */
    static String errorText(int result, Arena arena) {
        MemorySegment p = arena.allocate(ValueLayout.ADDRESS);
        String name = cuGetErrorName(result, p) == CUDA_SUCCESS ? cString(p) : "CUresult " + result;
        String text = cuGetErrorString(result, p) == CUDA_SUCCESS ? cString(p) : "";
        return text.isEmpty() ? name : name + " (" + text + ")";
    }

    private static String cString(MemorySegment pointerToString) {
        MemorySegment s = pointerToString.get(ValueLayout.ADDRESS, 0);
        return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(4096).getString(0);
    }

    private static Result unavailable(int version, String why) {
        return new Result(version, List.of(), Optional.of(why));
    }
}
