package dev.canal.tools.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JdkCheckTest {

    @Test
    void readsTheFeatureReleaseOfOldAndNewVersionStrings() {
        assertEquals(8, JdkCheck.feature("1.8"));
        assertEquals(17, JdkCheck.feature("17"));
        assertEquals(25, JdkCheck.feature("25"));
        assertEquals(26, JdkCheck.feature("26.0.1"));
        assertEquals(0, JdkCheck.feature("unknown"));
    }
}
