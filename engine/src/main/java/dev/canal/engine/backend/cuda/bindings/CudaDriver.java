package dev.canal.engine.backend.cuda.bindings;

import static dev.canal.engine.backend.cuda.bindings.CTypes.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * The CUDA driver API ({@code cuda.h}, {@code libcuda.so.1}): the functions canal uses.
 *
 * <p>Written in jextract's shape (jextract is not part of the build): per function a {@code NAME$DESC}
 * descriptor, a {@code NAME$MH} downcall handle and a static method with the C name and C parameter names.
 * Where the header {@code #define}s a name to a versioned symbol ({@code cuMemAlloc} → {@code cuMemAlloc_v2})
 * the versioned symbol is bound, as a C program compiled against the header would. C types map as: enums and
 * {@code int}/{@code unsigned int} → {@code int}; {@code size_t}, {@code CUdeviceptr}, {@code (unsigned) long long}
 * → {@code long}; every pointer and handle → {@link MemorySegment}.
 */
public final class CudaDriver {
    private static final Downcalls BINDER = new Downcalls(CudaLibraries.Library.DRIVER);

    // CUresult values (enum cudaError_enum).
    public static final int CUDA_SUCCESS = 0;
    public static final int CUDA_ERROR_INVALID_VALUE = 1;
    public static final int CUDA_ERROR_NOT_INITIALIZED = 3;
    public static final int CUDA_ERROR_NO_DEVICE = 100;
    public static final int CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
    public static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;

    // CUdevice_attribute values used by the probe and the loader.
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_INTEGRATED = 18;
    public static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
    public static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS = 88;
    public static final int CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS = 89;
    public static final int CU_DEVICE_ATTRIBUTE_CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM = 91;
    public static final int CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES = 100;

    // Flags.
    public static final int CU_MEMHOSTREGISTER_PORTABLE = 0x01;
    public static final int CU_MEMHOSTREGISTER_DEVICEMAP = 0x02;
    public static final int CU_MEMHOSTREGISTER_READ_ONLY = 0x08;
    public static final int CU_STREAM_NON_BLOCKING = 0x1;
    public static final int CU_EVENT_DEFAULT = 0x0;


    private CudaDriver() {
    }

    /** Every bound symbol with its descriptor, for the header check. */
    public static Map<String, FunctionDescriptor> descriptors() {
        return BINDER.descriptors();
    }

    public static final FunctionDescriptor cuInit$DESC = FunctionDescriptor.of(C_INT, C_INT);
    public static final MethodHandle cuInit$MH = BINDER.bind("cuInit", cuInit$DESC);

    /** {@code CUresult cuInit(unsigned int Flags)} */
    public static int cuInit(int Flags) {
        try {
            return (int) cuInit$MH.invokeExact(Flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDriverGetVersion$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuDriverGetVersion$MH = BINDER.bind("cuDriverGetVersion", cuDriverGetVersion$DESC);

    /** {@code CUresult cuDriverGetVersion(int *driverVersion)} */
    public static int cuDriverGetVersion(MemorySegment driverVersion) {
        try {
            return (int) cuDriverGetVersion$MH.invokeExact(driverVersion);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDeviceGetCount$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuDeviceGetCount$MH = BINDER.bind("cuDeviceGetCount", cuDeviceGetCount$DESC);

    /** {@code CUresult cuDeviceGetCount(int *count)} */
    public static int cuDeviceGetCount(MemorySegment count) {
        try {
            return (int) cuDeviceGetCount$MH.invokeExact(count);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDeviceGet$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    public static final MethodHandle cuDeviceGet$MH = BINDER.bind("cuDeviceGet", cuDeviceGet$DESC);

    /** {@code CUresult cuDeviceGet(CUdevice *device, int ordinal)} */
    public static int cuDeviceGet(MemorySegment device, int ordinal) {
        try {
            return (int) cuDeviceGet$MH.invokeExact(device, ordinal);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDeviceGetName$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
    public static final MethodHandle cuDeviceGetName$MH = BINDER.bind("cuDeviceGetName", cuDeviceGetName$DESC);

    /** {@code CUresult cuDeviceGetName(char *name, int len, CUdevice dev)} */
    public static int cuDeviceGetName(MemorySegment name, int len, int dev) {
        try {
            return (int) cuDeviceGetName$MH.invokeExact(name, len, dev);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDeviceGetAttribute$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
    public static final MethodHandle cuDeviceGetAttribute$MH = BINDER.bind("cuDeviceGetAttribute", cuDeviceGetAttribute$DESC);

    /** {@code CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)} */
    public static int cuDeviceGetAttribute(MemorySegment pi, int attrib, int dev) {
        try {
            return (int) cuDeviceGetAttribute$MH.invokeExact(pi, attrib, dev);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDeviceTotalMem_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    public static final MethodHandle cuDeviceTotalMem_v2$MH = BINDER.bind("cuDeviceTotalMem_v2", cuDeviceTotalMem_v2$DESC);

    /** {@code CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)} */
    public static int cuDeviceTotalMem_v2(MemorySegment bytes, int dev) {
        try {
            return (int) cuDeviceTotalMem_v2$MH.invokeExact(bytes, dev);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDevicePrimaryCtxRetain$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    public static final MethodHandle cuDevicePrimaryCtxRetain$MH = BINDER.bind("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain$DESC);

    /** {@code CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)} */
    public static int cuDevicePrimaryCtxRetain(MemorySegment pctx, int dev) {
        try {
            return (int) cuDevicePrimaryCtxRetain$MH.invokeExact(pctx, dev);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuDevicePrimaryCtxRelease_v2$DESC = FunctionDescriptor.of(C_INT, C_INT);
    public static final MethodHandle cuDevicePrimaryCtxRelease_v2$MH = BINDER.bind("cuDevicePrimaryCtxRelease_v2", cuDevicePrimaryCtxRelease_v2$DESC);

    /** {@code CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)} */
    public static int cuDevicePrimaryCtxRelease_v2(int dev) {
        try {
            return (int) cuDevicePrimaryCtxRelease_v2$MH.invokeExact(dev);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuCtxSetCurrent$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuCtxSetCurrent$MH = BINDER.bind("cuCtxSetCurrent", cuCtxSetCurrent$DESC);

    /** {@code CUresult cuCtxSetCurrent(CUcontext ctx)} */
    public static int cuCtxSetCurrent(MemorySegment ctx) {
        try {
            return (int) cuCtxSetCurrent$MH.invokeExact(ctx);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuCtxSynchronize$DESC = FunctionDescriptor.of(C_INT);
    public static final MethodHandle cuCtxSynchronize$MH = BINDER.bind("cuCtxSynchronize", cuCtxSynchronize$DESC);

    /** {@code CUresult cuCtxSynchronize(void)} */
    public static int cuCtxSynchronize() {
        try {
            return (int) cuCtxSynchronize$MH.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuStreamCreate$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    public static final MethodHandle cuStreamCreate$MH = BINDER.bind("cuStreamCreate", cuStreamCreate$DESC);

    /** {@code CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)} */
    public static int cuStreamCreate(MemorySegment phStream, int Flags) {
        try {
            return (int) cuStreamCreate$MH.invokeExact(phStream, Flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuStreamDestroy_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuStreamDestroy_v2$MH = BINDER.bind("cuStreamDestroy_v2", cuStreamDestroy_v2$DESC);

    /** {@code CUresult cuStreamDestroy_v2(CUstream hStream)} */
    public static int cuStreamDestroy_v2(MemorySegment hStream) {
        try {
            return (int) cuStreamDestroy_v2$MH.invokeExact(hStream);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuStreamSynchronize$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuStreamSynchronize$MH = BINDER.bind("cuStreamSynchronize", cuStreamSynchronize$DESC);

    /** {@code CUresult cuStreamSynchronize(CUstream hStream)} */
    public static int cuStreamSynchronize(MemorySegment hStream) {
        try {
            return (int) cuStreamSynchronize$MH.invokeExact(hStream);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuEventCreate$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    public static final MethodHandle cuEventCreate$MH = BINDER.bind("cuEventCreate", cuEventCreate$DESC);

    /** {@code CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags)} */
    public static int cuEventCreate(MemorySegment phEvent, int Flags) {
        try {
            return (int) cuEventCreate$MH.invokeExact(phEvent, Flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuEventRecord$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    public static final MethodHandle cuEventRecord$MH = BINDER.bind("cuEventRecord", cuEventRecord$DESC);

    /** {@code CUresult cuEventRecord(CUevent hEvent, CUstream hStream)} */
    public static int cuEventRecord(MemorySegment hEvent, MemorySegment hStream) {
        try {
            return (int) cuEventRecord$MH.invokeExact(hEvent, hStream);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuEventSynchronize$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuEventSynchronize$MH = BINDER.bind("cuEventSynchronize", cuEventSynchronize$DESC);

    /** {@code CUresult cuEventSynchronize(CUevent hEvent)} */
    public static int cuEventSynchronize(MemorySegment hEvent) {
        try {
            return (int) cuEventSynchronize$MH.invokeExact(hEvent);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuEventElapsedTime_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER);
    public static final MethodHandle cuEventElapsedTime_v2$MH = BINDER.bind("cuEventElapsedTime_v2", cuEventElapsedTime_v2$DESC);

    /** {@code CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd)} */
    public static int cuEventElapsedTime_v2(MemorySegment pMilliseconds, MemorySegment hStart, MemorySegment hEnd) {
        try {
            return (int) cuEventElapsedTime_v2$MH.invokeExact(pMilliseconds, hStart, hEnd);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuEventDestroy_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuEventDestroy_v2$MH = BINDER.bind("cuEventDestroy_v2", cuEventDestroy_v2$DESC);

    /** {@code CUresult cuEventDestroy_v2(CUevent hEvent)} */
    public static int cuEventDestroy_v2(MemorySegment hEvent) {
        try {
            return (int) cuEventDestroy_v2$MH.invokeExact(hEvent);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemAlloc_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T);
    public static final MethodHandle cuMemAlloc_v2$MH = BINDER.bind("cuMemAlloc_v2", cuMemAlloc_v2$DESC);

    /** {@code CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)} */
    public static int cuMemAlloc_v2(MemorySegment dptr, long bytesize) {
        try {
            return (int) cuMemAlloc_v2$MH.invokeExact(dptr, bytesize);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemFree_v2$DESC = FunctionDescriptor.of(C_INT, C_LONG_LONG);
    public static final MethodHandle cuMemFree_v2$MH = BINDER.bind("cuMemFree_v2", cuMemFree_v2$DESC);

    /** {@code CUresult cuMemFree_v2(CUdeviceptr dptr)} */
    public static int cuMemFree_v2(long dptr) {
        try {
            return (int) cuMemFree_v2$MH.invokeExact(dptr);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemcpyHtoD_v2$DESC = FunctionDescriptor.of(C_INT, C_LONG_LONG, C_POINTER, C_SIZE_T);
    public static final MethodHandle cuMemcpyHtoD_v2$MH = BINDER.bind("cuMemcpyHtoD_v2", cuMemcpyHtoD_v2$DESC);

    /** {@code CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount)} */
    public static int cuMemcpyHtoD_v2(long dstDevice, MemorySegment srcHost, long ByteCount) {
        try {
            return (int) cuMemcpyHtoD_v2$MH.invokeExact(dstDevice, srcHost, ByteCount);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemcpyDtoH_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG_LONG, C_SIZE_T);
    public static final MethodHandle cuMemcpyDtoH_v2$MH = BINDER.bind("cuMemcpyDtoH_v2", cuMemcpyDtoH_v2$DESC);

    /** {@code CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount)} */
    public static int cuMemcpyDtoH_v2(MemorySegment dstHost, long srcDevice, long ByteCount) {
        try {
            return (int) cuMemcpyDtoH_v2$MH.invokeExact(dstHost, srcDevice, ByteCount);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemcpyDtoD_v2$DESC = FunctionDescriptor.of(C_INT, C_LONG_LONG, C_LONG_LONG, C_SIZE_T);
    public static final MethodHandle cuMemcpyDtoD_v2$MH = BINDER.bind("cuMemcpyDtoD_v2", cuMemcpyDtoD_v2$DESC);

    /** {@code CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount)} */
    public static int cuMemcpyDtoD_v2(long dstDevice, long srcDevice, long ByteCount) {
        try {
            return (int) cuMemcpyDtoD_v2$MH.invokeExact(dstDevice, srcDevice, ByteCount);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemsetD8_v2$DESC = FunctionDescriptor.of(C_INT, C_LONG_LONG, C_CHAR, C_SIZE_T);
    public static final MethodHandle cuMemsetD8_v2$MH = BINDER.bind("cuMemsetD8_v2", cuMemsetD8_v2$DESC);

    /** {@code CUresult cuMemsetD8_v2(CUdeviceptr dstDevice, unsigned char uc, size_t N)} */
    public static int cuMemsetD8_v2(long dstDevice, byte uc, long N) {
        try {
            return (int) cuMemsetD8_v2$MH.invokeExact(dstDevice, uc, N);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemHostRegister_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T, C_INT);
    public static final MethodHandle cuMemHostRegister_v2$MH = BINDER.bind("cuMemHostRegister_v2", cuMemHostRegister_v2$DESC);

    /** {@code CUresult cuMemHostRegister_v2(void *p, size_t bytesize, unsigned int Flags)} */
    public static int cuMemHostRegister_v2(MemorySegment p, long bytesize, int Flags) {
        try {
            return (int) cuMemHostRegister_v2$MH.invokeExact(p, bytesize, Flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemHostUnregister$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuMemHostUnregister$MH = BINDER.bind("cuMemHostUnregister", cuMemHostUnregister$DESC);

    /** {@code CUresult cuMemHostUnregister(void *p)} */
    public static int cuMemHostUnregister(MemorySegment p) {
        try {
            return (int) cuMemHostUnregister$MH.invokeExact(p);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemHostGetDevicePointer_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT);
    public static final MethodHandle cuMemHostGetDevicePointer_v2$MH = BINDER.bind("cuMemHostGetDevicePointer_v2", cuMemHostGetDevicePointer_v2$DESC);

    /** {@code CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr *pdptr, void *p, unsigned int Flags)} */
    public static int cuMemHostGetDevicePointer_v2(MemorySegment pdptr, MemorySegment p, int Flags) {
        try {
            return (int) cuMemHostGetDevicePointer_v2$MH.invokeExact(pdptr, p, Flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuMemGetInfo_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    public static final MethodHandle cuMemGetInfo_v2$MH = BINDER.bind("cuMemGetInfo_v2", cuMemGetInfo_v2$DESC);

    /** {@code CUresult cuMemGetInfo_v2(size_t *free, size_t *total)} */
    public static int cuMemGetInfo_v2(MemorySegment free, MemorySegment total) {
        try {
            return (int) cuMemGetInfo_v2$MH.invokeExact(free, total);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuModuleLoadData$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    public static final MethodHandle cuModuleLoadData$MH = BINDER.bind("cuModuleLoadData", cuModuleLoadData$DESC);

    /** {@code CUresult cuModuleLoadData(CUmodule *module, const void *image)} */
    public static int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        try {
            return (int) cuModuleLoadData$MH.invokeExact(module, image);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuModuleLoadFatBinary$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    public static final MethodHandle cuModuleLoadFatBinary$MH = BINDER.bind("cuModuleLoadFatBinary", cuModuleLoadFatBinary$DESC);

    /** {@code CUresult cuModuleLoadFatBinary(CUmodule *module, const void *fatCubin)} */
    public static int cuModuleLoadFatBinary(MemorySegment module, MemorySegment fatCubin) {
        try {
            return (int) cuModuleLoadFatBinary$MH.invokeExact(module, fatCubin);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuModuleGetFunction$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER);
    public static final MethodHandle cuModuleGetFunction$MH = BINDER.bind("cuModuleGetFunction", cuModuleGetFunction$DESC);

    /** {@code CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)} */
    public static int cuModuleGetFunction(MemorySegment hfunc, MemorySegment hmod, MemorySegment name) {
        try {
            return (int) cuModuleGetFunction$MH.invokeExact(hfunc, hmod, name);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuModuleUnload$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cuModuleUnload$MH = BINDER.bind("cuModuleUnload", cuModuleUnload$DESC);

    /** {@code CUresult cuModuleUnload(CUmodule hmod)} */
    public static int cuModuleUnload(MemorySegment hmod) {
        try {
            return (int) cuModuleUnload$MH.invokeExact(hmod);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuLaunchKernel$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER, C_POINTER);
    public static final MethodHandle cuLaunchKernel$MH = BINDER.bind("cuLaunchKernel", cuLaunchKernel$DESC);

    /** {@code CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)} */
    public static int cuLaunchKernel(MemorySegment f, int gridDimX, int gridDimY, int gridDimZ, int blockDimX, int blockDimY, int blockDimZ, int sharedMemBytes, MemorySegment hStream, MemorySegment kernelParams, MemorySegment extra) {
        try {
            return (int) cuLaunchKernel$MH.invokeExact(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes, hStream, kernelParams, extra);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuGetErrorName$DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER);
    public static final MethodHandle cuGetErrorName$MH = BINDER.bind("cuGetErrorName", cuGetErrorName$DESC);

    /** {@code CUresult cuGetErrorName(CUresult error, const char **pStr)} */
    public static int cuGetErrorName(int error, MemorySegment pStr) {
        try {
            return (int) cuGetErrorName$MH.invokeExact(error, pStr);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cuGetErrorString$DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER);
    public static final MethodHandle cuGetErrorString$MH = BINDER.bind("cuGetErrorString", cuGetErrorString$DESC);

    /** {@code CUresult cuGetErrorString(CUresult error, const char **pStr)} */
    public static int cuGetErrorString(int error, MemorySegment pStr) {
        try {
            return (int) cuGetErrorString$MH.invokeExact(error, pStr);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

}

