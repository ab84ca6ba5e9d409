package dev.canal.tools;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** "canal 0.1.0 (Java 25 …)": the version comes from a resource the build fills in. */
final class Version implements IVersionProvider {

    static String canalVersion() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // Fall through to "unknown": a version line is no reason to fail.
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {
                "canal " + canalVersion(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("os.arch") + "), "
                        + Runtime.getRuntime().availableProcessors() + " CPU threads"
        };
    }
}
