package dev.canal.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopStringsTest {

    @Test
    void textWithoutStopsPassesThroughAtOnce() {
        StopStrings s = new StopStrings(List.of("###"));
        assertEquals("hello", s.push("hello"));
        assertEquals(" world", s.push(" world"));
        assertEquals("", s.flush());
    }

    @Test
    void aStopStringSplitAcrossPiecesIsNeverEmitted() {
        StopStrings s = new StopStrings(List.of("User:"));
        assertEquals("Sure.", s.push("Sure.\nUs".substring(0, 5)));
        assertEquals("\n", s.push("\nUs"));
        assertEquals("", s.push("er"));
        assertEquals("", s.push(": hi"));
        assertTrue(s.stopped());
        assertEquals("", s.flush());
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopStrings s = new StopStrings(List.of("User:"));
        assertEquals("a", s.push("aUs"));
        assertEquals("Usage", s.push("age"));
        assertFalse(s.stopped());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopStrings s = new StopStrings(List.of("END", "\n\n"));
        assertEquals("one", s.push("one\n\ntwo END"));
        assertTrue(s.stopped());
    }

    @Test
    void flushReleasesAnUnfinishedPartialStop() {
        StopStrings s = new StopStrings(List.of("</s>"));
        assertEquals("x", s.push("x</"));
        assertEquals("</", s.flush());
    }
}
