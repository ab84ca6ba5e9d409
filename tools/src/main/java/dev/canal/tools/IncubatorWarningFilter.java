package dev.canal.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies a child JVM's stderr to ours, dropping the one line the JVM prints at boot when an incubator module is
 * resolved. Everything else passes through unchanged and without waiting for a line end, except while the bytes
 * seen so far still spell the beginning of that warning.
 */
final class IncubatorWarningFilter {
    static final byte[] WARNING = ("WARNING: Using incubator modules: " + Launcher.VECTOR_MODULE)
            .getBytes(StandardCharsets.US_ASCII);
    /** The JVM writes the warning before any user code runs, so only the first lines can hold it. */
    private static final int LINES_TO_CHECK = 8;

    private IncubatorWarningFilter() {
    }

    static Thread start(InputStream childErr, OutputStream ourErr) {
        Thread t = new Thread(() -> copy(childErr, ourErr), "stderr-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void copy(InputStream in, OutputStream out) {
        try (in) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int linesChecked = 0;
            boolean matching = true;
            byte[] buf = new byte[8192];
            int n;
            while (linesChecked < LINES_TO_CHECK && (n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (linesChecked >= LINES_TO_CHECK) {
                        out.write(b);
                        continue;
                    }
                    if (b == '\n') {
                        boolean isWarning = matching && (line.size() == WARNING.length
                                || line.size() == WARNING.length + 1 && line.toByteArray()[WARNING.length] == '\r');
                        if (!isWarning) {
                            line.writeTo(out);
                            out.write(b);
                        }
                        line.reset();
                        matching = true;
                        linesChecked++;
                    } else if (matching && line.size() < WARNING.length && WARNING[line.size()] == b
                            || matching && line.size() == WARNING.length && b == '\r') {
                        line.write(b);
                    } else {
                        // Not the warning: pass on what was held back and the rest of the line as it comes.
                        matching = false;
                        line.writeTo(out);
                        line.reset();
                        out.write(b);
                    }
                }
                out.flush();
            }
            line.writeTo(out);
            out.flush();
            in.transferTo(new FlushingStream(out));
        } catch (IOException e) {
            // The child is gone or our stderr is closed: nothing left to forward.
        }
    }

    /** Forwards every write at once, so stderr of the child stays unbuffered. */
    private static final class FlushingStream extends OutputStream {
        private final OutputStream out;

        FlushingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            out.flush();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
        }
    }
}
