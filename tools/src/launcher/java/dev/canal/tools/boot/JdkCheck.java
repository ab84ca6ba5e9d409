package dev.canal.tools.boot;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * engine.jar's Main-Class, compiled for Java 8 so that an older java (the default one on many machines) prints
 * what to do instead of an UnsupportedClassVersionError: canal's own classes need Java 25.
 */
public final class JdkCheck {
    private static final int REQUIRED = 25;

    private JdkCheck() {
    }

    public static void main(String[] args) throws Throwable {
        int feature = feature(System.getProperty("java.specification.version", "0"));
        if (feature < REQUIRED) {
            System.err.println("error: canal needs Java " + REQUIRED + " or newer; this is Java "
                    + System.getProperty("java.version") + " (" + System.getProperty("java.home") + "). Run the jar"
                    + " with a JDK " + REQUIRED + "'s java, e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar engine.jar");
            System.exit(1);
        }
        Method launcher = Class.forName("dev.canal.tools.Launcher").getMethod("main", String[].class);
        try {
            launcher.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** "1.8" → 8, "17" → 17. */
    static int feature(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int dot = v.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
