package dev.canal.engine.backend.cuda.build;

import dev.canal.engine.backend.cuda.KernelTable;
import dev.canal.engine.backend.cuda.NvccArguments;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The engine build's kernel step (run by Maven after compilation): compiles {@code src/main/cuda/canal_kernels.cu}
 * into the fatbin resource with the {@code -gencode} list of the kernel table. Without nvcc it writes the
 * reason into {@code kernels-absent.txt} and succeeds, so CPU-only machines build the same project. nvcc runs only
 * when the sources, the table or the command changed: the inputs' digest is kept next to the work files.
 *
 * <p>Arguments: cuda source dir, classes dir, work dir, nvcc override (may be empty), skip (true/false).
 */
public final class KernelBuild {
    private static final String RESOURCE_DIR = "dev/canal/engine/cuda";

    private KernelBuild() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: KernelBuild SOURCE_DIR CLASSES_DIR WORK_DIR NVCC_OR_EMPTY SKIP");
        }
        Path sources = Path.of(args[0]);
        Path resources = Path.of(args[1]).resolve(RESOURCE_DIR);
        Path work = Path.of(args[2]);
        Path fatbin = resources.resolve("canal-kernels.fatbin");
        Path absent = resources.resolve("kernels-absent.txt");
        Files.createDirectories(resources);
        Files.createDirectories(work);

        if (Boolean.parseBoolean(args[4])) {
            withoutKernels(fatbin, absent, "the kernel build was skipped (-Dcanal.kernels.skip=true)");
            return;
        }
        NvccLocator.Result found = NvccLocator.find(args[3], System.getenv("CUDA_HOME"), System.getenv("PATH"));
        if (found.nvcc().isEmpty() && !args[3].isBlank()) {
            // An explicit compiler that is not there is a mistake to report, not a reason to ship no kernels.
            throw new IllegalArgumentException("-Dcanal.nvcc=" + args[3] + " is not an executable file");
        }
        if (found.nvcc().isEmpty()) {
            withoutKernels(fatbin, absent, "it was built without nvcc (searched " + found.searched()
                    + "; install the CUDA 13 toolkit or pass -Dcanal.nvcc=/path/to/nvcc)");
            return;
        }
        Path nvcc = found.nvcc().get();
        Path source = sources.resolve("canal_kernels.cu");
        Path tmp = work.resolve("canal-kernels.fatbin");
        List<String> arguments = NvccArguments.fatbin(KernelTable.get(), source, tmp);

        Path stamp = work.resolve("fatbin.sha256");
        String digest = digest(nvcc, arguments, sources);
        if (Files.exists(fatbin) && Files.exists(stamp) && Files.readString(stamp).equals(digest)) {
            System.out.println("[canal] CUDA kernels up to date (" + fatbin + ")");
            Files.deleteIfExists(absent);
            return;
        }
        Path options = work.resolve("nvcc.args");
        Files.write(options, arguments.stream().map(KernelBuild::quote).toList(), StandardCharsets.UTF_8);
        System.out.println("[canal] " + nvcc + " --options-file " + options + "  (" + String.join(" ", arguments) + ")");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(nvcc.toString(), "--options-file", options.toString()).inheritIO().start();
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("nvcc failed with exit code " + exit + " compiling " + source
                    + " (arguments in " + options + ")");
        }
        Files.copy(tmp, fatbin, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(absent);
        Files.writeString(stamp, digest);
        System.out.printf("[canal] CUDA kernels built in %.1f s: %s (%d bytes)%n",
                (System.nanoTime() - start) / 1e9, fatbin, Files.size(fatbin));
    }

    private static void withoutKernels(Path fatbin, Path absent, String why) throws IOException {
        Files.deleteIfExists(fatbin);
        Files.writeString(absent, why + "\n");
        System.out.println("[canal] no CUDA kernels in this build: " + why);
    }

    /** nvcc options files split on whitespace; quote the arguments that contain any. */
    private static String quote(String arg) {
        return arg.chars().anyMatch(Character::isWhitespace) ? "\"" + arg.replace("\"", "\\\"") + "\"" : arg;
    }

    private static String digest(Path nvcc, List<String> arguments, Path sources) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(nvcc.toString().getBytes(StandardCharsets.UTF_8));
            md.update(String.join("\n", arguments).getBytes(StandardCharsets.UTF_8));
            try (InputStream table = KernelTable.class.getResourceAsStream(KernelTable.RESOURCE)) {
                md.update(table.readAllBytes());
            }
            try (Stream<Path> files = Files.list(sources)) {
                for (Path f : files.sorted().toList()) {
                    md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                    md.update(Files.readAllBytes(f));
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
