package dev.canal.engine.backend.cuda.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Holds the hand-written bindings against the installed CUDA headers: every bound symbol is what the header
 * links (its {@code #define}s to {@code _v2} variants resolved), and every carrier of the descriptor is the
 * one the C type needs on LP64. A wrong width here would not fail to link; it would corrupt arguments.
 */
class BindingsMatchHeadersTest {
    private static final Path INCLUDE = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"),
            "include");

    @Test
    void driverBindingsMatchCudaH() throws IOException {
        Path cudaH = INCLUDE.resolve("cuda.h");
        assumeTrue(Files.exists(cudaH), "no CUDA toolkit headers: " + cudaH + " does not exist");
        checkAll(CHeader.read(cudaH), CudaDriver.descriptors(), "cuda.h");
        assertEquals(36, CudaDriver.descriptors().size(), "the driver functions canal binds");
    }

    @Test
    void driverConstantsMatchCudaH() throws IOException {
        Path cudaH = INCLUDE.resolve("cuda.h");
        assumeTrue(Files.exists(cudaH), "no CUDA toolkit headers: " + cudaH + " does not exist");
        int checked = checkConstants(CHeader.read(cudaH), CudaDriver.class, "CU");
        assertTrue(checked >= 15, "constants checked: " + checked);
    }

    @Test
    void cublasBindingsMatchCublasApiH() throws IOException {
        Path header = INCLUDE.resolve("cublas_api.h");
        assumeTrue(Files.exists(header), "cuBLAS headers not installed: " + header
                + " does not exist (install the toolkit's libcublas-dev package to check these bindings)");
        CHeader h = CHeader.read(INCLUDE.resolve("driver_types.h"), INCLUDE.resolve("library_types.h"), header);
        checkAll(h, Cublas.descriptors(), "cublas_api.h");
        checkConstants(h, Cublas.class, "CUBLAS_");
    }

    @Test
    void cublasLtBindingsMatchCublasLtH() throws IOException {
        Path header = INCLUDE.resolve("cublasLt.h");
        assumeTrue(Files.exists(header), "cuBLASLt headers not installed: " + header
                + " does not exist (install the toolkit's libcublas-dev package to check these bindings)");
        CHeader h = CHeader.read(INCLUDE.resolve("driver_types.h"), INCLUDE.resolve("library_types.h"),
                INCLUDE.resolve("cublas_api.h"), header);
        checkAll(h, CublasLt.descriptors(), "cublasLt.h");
        checkConstants(h, CublasLt.class, "CUBLAS");
    }

    @Test
    void dataTypeConstantsMatchLibraryTypesH() throws IOException {
        Path header = INCLUDE.resolve("library_types.h");
        assumeTrue(Files.exists(header), "no CUDA toolkit headers: " + header + " does not exist");
        assertEquals(3, checkConstants(CHeader.read(header), Cublas.class, "CUDA_R_"));
        assertEquals(3, checkConstants(CHeader.read(header), CublasLt.class, "CUDA_R_"));
    }

    /** The checker must catch the mistakes it exists for, or a green run means nothing. */
    @Test
    void checkerRejectsUnversionedNamesAndWrongWidths() throws IOException {
        Path cudaH = INCLUDE.resolve("cuda.h");
        assumeTrue(Files.exists(cudaH), "no CUDA toolkit headers: " + cudaH + " does not exist");
        CHeader h = CHeader.read(cudaH);
        // cuMemAlloc is #defined to cuMemAlloc_v2: binding the bare name would link the 32-bit legacy ABI.
        assertFalse(problems(h, "cuMemAlloc", FunctionDescriptor.of(CTypes.C_INT, CTypes.C_POINTER,
                CTypes.C_SIZE_T)).isEmpty());
        // size_t passed as int.
        assertFalse(problems(h, "cuMemAlloc_v2", FunctionDescriptor.of(CTypes.C_INT, CTypes.C_POINTER,
                CTypes.C_INT)).isEmpty());
        // A CUdeviceptr (unsigned long long) passed as a pointer-width address is a different carrier too.
        assertFalse(problems(h, "cuMemFree_v2", FunctionDescriptor.of(CTypes.C_INT, CTypes.C_POINTER)).isEmpty());
        assertFalse(problems(h, "cuNoSuchFunction", FunctionDescriptor.of(CTypes.C_INT)).isEmpty());
        assertTrue(problems(h, "cuMemAlloc_v2", CudaDriver.cuMemAlloc_v2$DESC).isEmpty());
    }

    private static void checkAll(CHeader header, Map<String, FunctionDescriptor> bound, String file) {
        List<String> problems = new ArrayList<>();
        bound.forEach((symbol, descriptor) -> problems.addAll(problems(header, symbol, descriptor)));
        assertTrue(problems.isEmpty(), file + ": " + String.join("; ", problems));
        assertFalse(bound.isEmpty());
    }

    private static List<String> problems(CHeader header, String symbol, FunctionDescriptor descriptor) {
        List<String> problems = new ArrayList<>();
        if (!header.resolve(symbol).equals(symbol)) {
            problems.add(symbol + " is #defined to " + header.resolve(symbol) + "; bind that instead");
            return problems;
        }
        Optional<CHeader.Prototype> found = header.prototypeLinkingTo(symbol);
        if (found.isEmpty()) {
            problems.add(symbol + ": no prototype in the header");
            return problems;
        }
        CHeader.Prototype p = found.get();
        Class<?> expectedReturn = carrier(p.returns());
        Class<?> actualReturn = descriptor.returnLayout().map(BindingsMatchHeadersTest::carrierOf).orElse(void.class);
        if (expectedReturn != actualReturn) {
            problems.add(symbol + " returns " + p.returns().written() + " (" + expectedReturn + "), bound as "
                    + actualReturn);
        }
        List<MemoryLayout> args = descriptor.argumentLayouts();
        if (args.size() != p.params().size()) {
            problems.add(symbol + " takes " + p.params().size() + " parameters, bound with " + args.size());
            return problems;
        }
        for (int i = 0; i < args.size(); i++) {
            Class<?> expected = carrier(p.params().get(i));
            Class<?> actual = carrierOf(args.get(i));
            if (expected != actual) {
                problems.add(symbol + " parameter " + i + " is " + p.params().get(i).written() + " (" + expected
                        + "), bound as " + actual);
            }
        }
        return problems;
    }

    /** The FFM carrier a C type needs on LP64 Linux. */
    private static Class<?> carrier(CHeader.CType t) {
        if (t.pointer()) return MemorySegment.class;
        return switch (t.base()) {
            case "void" -> void.class;
            case "enum", "int", "unsigned int", "unsigned", "int32_t", "uint32_t" -> int.class;
            case "long long", "long long int", "unsigned long long", "unsigned long long int", "size_t",
                 "uint64_t", "int64_t", "long", "unsigned long" -> long.class;
            case "char", "unsigned char", "signed char", "uint8_t" -> byte.class;
            case "short", "unsigned short" -> short.class;
            case "float" -> float.class;
            case "double" -> double.class;
            default -> throw new AssertionError("no mapping for C type '" + t.base() + "' (" + t.written() + ")");
        };
    }

    private static Class<?> carrierOf(MemoryLayout layout) {
        if (layout instanceof AddressLayout) return MemorySegment.class;
        if (layout instanceof ValueLayout v) return v.carrier();
        return MemoryLayout.class; // a struct by value: none is bound, so this never equals a C scalar
    }

    /** Checks every public int constant whose name starts with prefix against the header; returns how many. */
    private static int checkConstants(CHeader header, Class<?> bindings, String prefix) {
        int checked = 0;
        List<String> problems = new ArrayList<>();
        for (Field f : bindings.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class || !f.getName().startsWith(prefix)) {
                continue;
            }
            Optional<Long> value = header.constant(f.getName());
            try {
                if (value.isEmpty()) problems.add(f.getName() + " is not in the header");
                else if (value.get() != f.getInt(null)) {
                    problems.add(f.getName() + " = " + f.getInt(null) + ", header says " + value.get());
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
            checked++;
        }
        assertTrue(problems.isEmpty(), String.join("; ", problems));
        return checked;
    }
}
