package dev.canal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

class UploadProgressLineTest {

    @Test
    void redrawsWhenThePercentageMovesAndEndsTheLineWhenComplete() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        UploadProgressLine line = new UploadProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), "cuda:0");
        long total = 3L << 30;
        line.uploaded(total / 2, total);
        line.uploaded(total / 2 + 1, total); // still 50%: not redrawn
        line.uploaded(total, total);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals("\rcopying weights to cuda:0 [###############               ]  50% (1.50 of 3.00 GiB)"
                + "\rcopying weights to cuda:0 [##############################] 100% (3.00 of 3.00 GiB)"
                + System.lineSeparator(), out);
    }

    @Test
    void smallModelsCountInMebibytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new UploadProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), "cuda")
                .uploaded(1 << 19, 1 << 20);
        assertEquals("\rcopying weights to cuda [###############               ]  50% (0.50 of 1.00 MiB)",
                bytes.toString(StandardCharsets.UTF_8));
    }
}
