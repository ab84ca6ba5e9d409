package dev.canal.tools;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LauncherTest {

    @Test
    void theChildGetsTheVectorModuleAndEarlyCompilationBeforeTheUsersOwnOptions() {
        List<String> command = Launcher.childCommand("/jdk/bin/java", List.of("-Xmx4g",
                "-XX:CompileCommand=CompileThresholdScaling,dev.canal.*::*,1"), "/x/engine.jar",
                new String[] {"run", "model", "--prompt", "hi"});
        assertEquals("/jdk/bin/java", command.getFirst());
        assertEquals(List.of("--add-modules", "jdk.incubator.vector"), command.subList(1, 3));
        int early = command.indexOf(Launcher.EARLY_COMPILATION.getLast());
        int users = command.indexOf("-XX:CompileCommand=CompileThresholdScaling,dev.canal.*::*,1");
        assertTrue(early > 0 && users > early, "the user's own option comes after ours: " + command);
        assertTrue(command.contains("-Dcanal.relaunched=true"), command::toString);
        assertEquals(List.of("-cp", "/x/engine.jar", Main.class.getName(), "run", "model", "--prompt", "hi"),
                command.subList(command.size() - 7, command.size()));
    }
}
