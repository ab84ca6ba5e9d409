package dev.canal.engine.backend.cuda.emulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The engine's test-build step that makes the CUDA emulator (src/test/cuda-emulator): g++ compiles canal's kernel
 * sources and an emulated driver into {@code libcuda.so.1}, an emulated cuBLAS into {@code libcublas.so.13} and an
 * emulated cuBLASLt into {@code libcublasLt.so.13} (libraries of their own, as the backend looks them up by those
 * names; they link against the emulated driver to check their operands lie in device memory), which the
 * {@code cuda-emulator} test run loads through
 * {@code CANAL_CUDA_LIB_DIR}. The CUDA tests, skipped elsewhere for want of a GPU, then run the backend's Java code
 * and the kernels' logic on the CPU. Without g++ it writes why into {@code emulator-absent.txt} and succeeds; the
 * emulated run's tests are then skipped with the driver-not-found reason.
 *
 * <p>Arguments: kernel source dir, emulator source dir, output dir, skip (true/false). {@code CXX} picks the
 * compiler (else g++ on the PATH).
 */
public final class EmulatorBuild {
    static final String LIBRARY = "libcuda.so.1";
    static final String CUBLAS = "libcublas.so.13";
    static final String CUBLAS_LT = "libcublasLt.so.13";
    private static final Pattern KERNEL = Pattern.compile("CANAL_KERNEL\\s+void\\s+(\\w+)\\s*\\(");

    private EmulatorBuild() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: EmulatorBuild KERNEL_DIR EMULATOR_DIR OUT_DIR SKIP");
        }
        Path kernels = Path.of(args[0]);
        Path emulator = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Files.createDirectories(out);
        List<Path> libraries = List.of(out.resolve(LIBRARY), out.resolve(CUBLAS), out.resolve(CUBLAS_LT));
        Path absent = out.resolve("emulator-absent.txt");
        if (Boolean.parseBoolean(args[3])) {
            without(libraries, absent, "its build was skipped (-Dcanal.cudaEmulator.skip=true)");
            return;
        }
        Optional<Path> compiler = compiler(System.getenv("CXX"), System.getenv("PATH"));
        if (compiler.isEmpty()) {
            without(libraries, absent, "no C++ compiler (g++ on the PATH, or CXX)");
            return;
        }
        Path include = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "include");
        if (!Files.exists(include.resolve("cuda.h"))) {
            without(libraries, absent, "no CUDA headers in " + include + " (set CUDA_HOME)");
            return;
        }
        Files.writeString(out.resolve("kernel_names.inc"), kernelTable(kernels));
        List<String> flags = List.of(compiler.get().toString(), "-std=c++20", "-O2", "-U_FORTIFY_SOURCE",
                "-ffp-contract=off", "-fPIC", "-shared", "-I" + include, "-I" + emulator);
        // The soname lets the dynamic loader see the driver the JVM loaded by path as the libcuda.so.1 that
        // libcublas.so.13 needs, so both share one emulated device whichever loads first.
        List<String> driver = concat(flags, "-I" + kernels, "-I" + out, "-Wl,-soname," + LIBRARY,
                emulator.resolve("cuda_emu_driver.cpp").toString(), emulator.resolve("cuda_emu_kernels.cpp").toString(),
                "-o", libraries.get(0).toString());
        List<String> cublas = concat(flags, "-Wl,-soname," + CUBLAS, "-Wl,--no-undefined",
                emulator.resolve("cuda_emu_cublas.cpp").toString(), "-o", libraries.get(1).toString(),
                "-L" + out, "-l:" + LIBRARY, "-Wl,-rpath,$ORIGIN");
        List<String> cublasLt = concat(flags, "-Wl,-soname," + CUBLAS_LT, "-Wl,--no-undefined",
                emulator.resolve("cuda_emu_cublaslt.cpp").toString(), "-o", libraries.get(2).toString(),
                "-L" + out, "-l:" + LIBRARY, "-Wl,-rpath,$ORIGIN");
        List<List<String>> commands = List.of(driver, cublas, cublasLt);
        Path stamp = out.resolve("emulator.sha256");
        String digest = digest(commands, kernels, emulator);
        if (libraries.stream().allMatch(Files::exists) && Files.exists(stamp) && Files.readString(stamp).equals(digest)) {
            System.out.println("[canal] CUDA emulator up to date (" + out + ")");
            return;
        }
        long start = System.nanoTime();
        for (List<String> command : commands) {
            Process p = new ProcessBuilder(command).inheritIO().start();
            if (p.waitFor() != 0) throw new IllegalStateException("the CUDA emulator did not compile: " + command);
        }
        Files.deleteIfExists(absent);
        Files.writeString(stamp, digest);
        System.out.printf("[canal] CUDA emulator built in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, libraries);
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /** One CANAL_EMU_KERNEL(name) line per kernel the sources declare with CANAL_KERNEL. */
    static String kernelTable(Path kernels) throws IOException {
        StringBuilder table = new StringBuilder("// written by EmulatorBuild from " + kernels + "\n");
        for (Path f : sources(kernels)) {
            Matcher m = KERNEL.matcher(Files.readString(f));
            while (m.find()) table.append("CANAL_EMU_KERNEL(").append(m.group(1)).append(")\n");
        }
        return table.toString();
    }

    private static List<Path> sources(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")
                    || f.toString().endsWith(".h") || f.toString().endsWith(".cpp")).sorted().toList();
        }
    }

    private static Optional<Path> compiler(String cxx, String path) {
        List<Path> candidates = new ArrayList<>();
        if (cxx != null && !cxx.isBlank()) candidates.add(Path.of(cxx));
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) candidates.add(Path.of(dir, "g++"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    private static void without(List<Path> libraries, Path absent, String why) throws IOException {
        for (Path library : libraries) Files.deleteIfExists(library);
        Files.writeString(absent, why + "\n");
        System.out.println("[canal] no CUDA emulator for the tests: " + why);
    }

    private static String digest(List<List<String>> commands, Path kernels, Path emulator) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (List<String> command : commands) {
                md.update(String.join("\n", command).getBytes(StandardCharsets.UTF_8));
            }
            for (Path f : Stream.concat(sources(kernels).stream(), sources(emulator).stream()).toList()) {
                md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
