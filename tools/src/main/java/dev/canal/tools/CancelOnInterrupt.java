package dev.canal.tools;

import dev.canal.engine.api.Session;
import org.jline.utils.Signals;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * While open, the first Ctrl-C (SIGINT) stops the generation in progress, so that a one-shot run still ends
 * normally and prints its statistics; a second one exits at once with 130, the shell's code for SIGINT.
 * (JLine's Signals reaches sun.misc.Signal reflectively, which spares the build javac's internal-API warnings.)
 */
final class CancelOnInterrupt implements AutoCloseable {
    private final Object previous;

    /** @param active false leaves SIGINT alone (an in-process run from a test must not take the JVM's signal) */
    CancelOnInterrupt(Session session, boolean active) {
        AtomicBoolean interrupted = new AtomicBoolean();
        previous = !active ? null : Signals.register("INT", () -> {
            if (interrupted.getAndSet(true)) System.exit(130);
            session.cancel();
        });
    }

    @Override
    public void close() {
        if (previous != null) Signals.unregister("INT", previous);
    }
}
