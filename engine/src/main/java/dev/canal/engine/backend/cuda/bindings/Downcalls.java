package dev.canal.engine.backend.cuda.bindings;

import dev.canal.engine.api.CanalException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Binds the functions of one library. A function whose library or symbol is missing gets a handle of the same
 * type that throws a {@link CanalException} naming it and the library status, so class initialisation never
 * fails and the failure surfaces at the first call, with the reason.
 */
final class Downcalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle UNAVAILABLE;

    static {
        try {
            UNAVAILABLE = MethodHandles.lookup().findStatic(Downcalls.class, "unavailable",
                    MethodType.methodType(Object.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CudaLibraries.Library library;
    private final Map<String, FunctionDescriptor> descriptors = new LinkedHashMap<>();

    Downcalls(CudaLibraries.Library library) {
        this.library = library;
    }

    /** The downcall handle of {@code symbol}, recorded with its descriptor for {@link #descriptors}. */
    MethodHandle bind(String symbol, FunctionDescriptor descriptor) {
        descriptors.put(symbol, descriptor);
        Optional<MemorySegment> address = CudaLibraries.lookup(library).find(symbol);
        if (address.isPresent()) return LINKER.downcallHandle(address.get(), descriptor);
        String why = CudaLibraries.status(library).available()
                ? symbol + " is not exported by " + CudaLibraries.status(library).loadedFrom().orElseThrow()
                + " (the installed version is older than this binding needs)"
                : CudaLibraries.status(library).reason();
        MethodType type = descriptor.toMethodType();
        MethodHandle thrower = MethodHandles.insertArguments(UNAVAILABLE, 0, "cannot call " + symbol + ": " + why)
                .asType(MethodType.methodType(type.returnType()));
        return MethodHandles.dropArguments(thrower, 0, type.parameterList());
    }

    /** Every function bound so far: symbol → descriptor, in binding order. */
    Map<String, FunctionDescriptor> descriptors() {
        return Collections.unmodifiableMap(descriptors);
    }

    @SuppressWarnings("unused") // called through UNAVAILABLE
    private static Object unavailable(String message) {
        throw new CanalException(message);
    }

    /** Rethrows what a downcall threw: only the unavailable handle throws, and only unchecked exceptions. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
