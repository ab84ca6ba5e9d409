package dev.canal.engine.backend.cuda.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the NVIDIA libraries at run time. Nothing here throws when a library is missing: the bindings bind
 * their functions to handles that fail with {@link #status}'s sentence, so a machine without a GPU can still
 * load every class and print why CUDA is unavailable.
 *
 * <p>Search order per library: if {@code CANAL_CUDA_LIB_DIR} is set, only that directory (an explicit choice
 * must not be silently overridden by another install). Otherwise the dynamic loader's own search (LD_LIBRARY_PATH,
 * ld.so.cache — where the driver package installs libcuda), then {@code $CUDA_HOME/lib64},
 * {@code /usr/local/cuda/lib64} (where the toolkit keeps cuBLAS without registering it) and
 * {@code /usr/lib/wsl/lib} (the WSL driver). The toolkit's {@code stubs} directory is never used: its libcuda
 * only returns errors.
 */
public final class CudaLibraries {
    /** Environment variable naming the one directory to load the NVIDIA libraries from. */
    public static final String LIB_DIR_ENV = "CANAL_CUDA_LIB_DIR";

    /** The libraries canal binds, with the file names tried in order (newest ABI first). */
    public enum Library {
        DRIVER("CUDA driver", "libcuda.so.1"),
        CUBLAS("cuBLAS", "libcublas.so.13", "libcublas.so.12"),
        CUBLAS_LT("cuBLASLt", "libcublasLt.so.13", "libcublasLt.so.12");

        final String title;
        final List<String> files;

        Library(String title, String... files) {
            this.title = title;
            this.files = List.of(files);
        }

        public String title() {
            return title;
        }

        public List<String> files() {
            return files;
        }
    }

    /**
     * The outcome of looking for one library.
     *
     * @param loadedFrom the file name or path that loaded, empty when none did
     * @param detail     where it was loaded from, or which files were searched where
     */
    public record Status(Library library, Optional<String> loadedFrom, String detail) {
        public boolean available() {
            return loadedFrom.isPresent();
        }

        /** One line naming the library: "cuBLAS: loaded …" or "cuBLAS: libcublas.so.13 … not found (searched …)". */
        public String reason() {
            return library.title + ": " + detail;
        }
    }

    private record Loaded(SymbolLookup lookup, Status status) { }

    private static final Map<Library, Loaded> LOADED = new EnumMap<>(Library.class);

    private CudaLibraries() {
    }

    /** Whether and from where the library loaded (searching on the first call). */
    public static Status status(Library library) {
        return load(library).status();
    }

    /** One line per library, for {@code doctor} and error messages. */
    public static List<Status> status() {
        List<Status> all = new ArrayList<>();
        for (Library l : Library.values()) all.add(status(l));
        return all;
    }

    /** The library's symbols, or an empty lookup when it is absent. */
    static SymbolLookup lookup(Library library) {
        return load(library).lookup();
    }

    private static synchronized Loaded load(Library library) {
        return LOADED.computeIfAbsent(library, CudaLibraries::search);
    }

    private static Loaded search(Library library) {
        String env = System.getenv(LIB_DIR_ENV);
        List<String> searched = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            for (String file : library.files) {
                Path p = Path.of(env, file);
                Optional<SymbolLookup> l = open(p.toString(), Files.exists(p));
                if (l.isPresent()) return loaded(library, l.get(), p.toString());
            }
            return missing(library, List.of(LIB_DIR_ENV + "=" + env));
        }
        for (String file : library.files) {
            Optional<SymbolLookup> l = open(file, true);
            if (l.isPresent()) return loaded(library, l.get(), file);
        }
        searched.add("the dynamic loader's path (LD_LIBRARY_PATH, ld.so.cache)");
        List<String> dirs = new ArrayList<>();
        String cudaHome = System.getenv("CUDA_HOME");
        if (cudaHome != null && !cudaHome.isBlank()) dirs.add(Path.of(cudaHome, "lib64").toString());
        dirs.add("/usr/local/cuda/lib64");
        dirs.add("/usr/lib/wsl/lib");
        for (String dir : dirs) {
            for (String file : library.files) {
                Path p = Path.of(dir, file);
                if (!Files.exists(p)) continue;
                Optional<SymbolLookup> l = open(p.toString(), true);
                if (l.isPresent()) return loaded(library, l.get(), p.toString());
            }
            searched.add(dir);
        }
        return missing(library, searched);
    }

    private static Optional<SymbolLookup> open(String nameOrPath, boolean worthTrying) {
        if (!worthTrying) return Optional.empty();
        try {
            return Optional.of(SymbolLookup.libraryLookup(nameOrPath, Arena.global()));
        } catch (IllegalArgumentException notFound) {
            return Optional.empty();
        }
    }

    private static Loaded loaded(Library library, SymbolLookup lookup, String from) {
        return new Loaded(lookup, new Status(library, Optional.of(from), "loaded " + from));
    }

    private static Loaded missing(Library library, List<String> searched) {
        String detail = String.join(" / ", library.files) + " not found (searched "
                + String.join(", ", searched) + ")";
        return new Loaded(name -> Optional.empty(), new Status(library, Optional.empty(), detail));
    }
}
