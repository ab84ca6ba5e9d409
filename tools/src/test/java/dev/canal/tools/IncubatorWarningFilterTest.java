package dev.canal.tools;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class IncubatorWarningFilterTest {
    private static final String WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    private static String filter(String stderr) {
        return filter(new ByteArrayInputStream(stderr.getBytes(StandardCharsets.UTF_8)));
    }

    private static String filter(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IncubatorWarningFilter.copy(in, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dropsTheBootWarning() {
        assertEquals("error: x\n", filter(WARNING + "\nerror: x\n"));
        assertEquals("error: x\r\n", filter(WARNING + "\r\nerror: x\r\n"));
        assertEquals("", filter(WARNING + "\n"));
    }

    @Test
    void keepsEverythingElse() {
        assertEquals("", filter(""));
        assertEquals("WARNING: Using incubator", filter("WARNING: Using incubator"));
        assertEquals(WARNING + ", jdk.other\n", filter(WARNING + ", jdk.other\n"));
        assertEquals(WARNING, filter(WARNING)); // no line end: not the JVM's line
        assertEquals("WARNING: something else\nlast line without newline",
                filter("WARNING: something else\nlast line without newline"));
        assertEquals("Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nü\n",
                filter("Picked up JAVA_TOOL_OPTIONS: -Xmx1g\n" + WARNING + "\nü\n"));
    }

    @Test
    void onlyTheFirstLinesAreFiltered() {
        String early = "1\n2\n3\n4\n5\n6\n7\n8\n";
        assertEquals(early + WARNING + "\n", filter(early + WARNING + "\n"));
    }

    @Test
    void bytesArrivingOneByOneAreFilteredTheSame() {
        byte[] data = (WARNING + "\nerror: é\n").getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new InputStream() {
            int i;

            @Override
            public int read() {
                return i < data.length ? data[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= data.length) return -1;
                b[off] = data[i++];
                return 1;
            }
        };
        assertEquals("error: é\n", filter(trickle));
    }
}
