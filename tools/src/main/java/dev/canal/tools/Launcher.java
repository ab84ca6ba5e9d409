package dev.canal.tools;

/** Placeholder entry point, replaced by the CLI. */
public final class Launcher {
    public static void main(String[] args) {
        System.err.println("canal: CLI not built yet");
        System.exit(2);
    }
}
