package dev.canal.engine.backend.cuda.bindings;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.ValueLayout;

/**
 * The C types of the NVIDIA headers as FFM layouts, for 64-bit Linux (LP64): {@code int} and every enum are 32
 * bits, {@code size_t}, {@code long long} and {@code CUdeviceptr} 64 bits, and pointers and opaque handles
 * ({@code CUstream}, {@code cublasHandle_t} …) addresses.
 */
public final class CTypes {
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private CTypes() {
    }
}
