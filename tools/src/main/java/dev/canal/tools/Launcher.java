package dev.canal.tools;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jar's Main-Class. The Vector API lives in the incubator module jdk.incubator.vector, which a jar manifest
 * cannot add to the boot layer, so when it is missing this class starts the same java again with
 * {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED} and runs {@link Main} there.
 * It must not load engine classes or the Vector API itself: it runs before the module is there.
 */
public final class Launcher {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** Set on the child so that a child still lacking the module fails instead of relaunching forever. */
    private static final String RELAUNCHED_PROPERTY = "canal.relaunched";

    private Launcher() {
    }

    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()) {
            Main.main(args);
            return;
        }
        if (Boolean.getBoolean(RELAUNCHED_PROPERTY)) {
            System.err.println("error: this java (" + System.getProperty("java.home") + ") has no module "
                    + VECTOR_MODULE + "; canal needs a full JDK 25 or newer");
            System.exit(1);
        }
        System.exit(relaunch(args));
    }

    private static int relaunch(String[] args) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("--add-modules");
        command.add(VECTOR_MODULE);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-D" + RELAUNCHED_PROPERTY + "=true");
        command.add("-cp");
        command.add(ownJar());
        command.add(Main.class.getName());
        command.addAll(List.of(args));

        // Ctrl-C goes to the whole foreground process group: the child decides what it means (cancel an answer,
        // leave the chat); this parent only waits for it and passes its exit code on. A handler that does
        // nothing, not SIG_IGN: an ignored signal would stay ignored in the child across exec.
        org.jline.utils.Signals.register("INT", () -> { });
        try {
            Process child = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.PIPE)
                    .start();
            // The JVM prints "WARNING: Using incubator modules" on stderr at boot and has no flag to silence it.
            Thread pump = IncubatorWarningFilter.start(child.getErrorStream(), System.err);
            int code = child.waitFor();
            pump.join();
            return code;
        } catch (IOException e) {
            System.err.println("error: cannot start " + command.getFirst() + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String ownJar() {
        try {
            return Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            return System.getProperty("java.class.path", "").split(File.pathSeparator)[0];
        }
    }
}
