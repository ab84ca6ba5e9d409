package dev.canal.engine.template;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** Reads the jinja2 reference outputs under src/test/resources/template (made by make-expected.py). */
final class ReferenceData {
    /** The clock make-expected.py gives strftime_now: 2024-07-26 10:30:00. */
    static final Clock FIXED_CLOCK = Clock.fixed(Instant.parse("2024-07-26T10:30:00Z"), ZoneOffset.UTC);

    private ReferenceData() {
    }

    static String text(String resource) {
        try (InputStream in = ReferenceData.class.getResourceAsStream("/template/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource template/" + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String resource) {
        try {
            return new ObjectMapper().readValue(text(resource), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
