/** The command-line tools and the runnable engine.jar. */
module dev.canal.tools {
    requires dev.canal.engine;
    requires dev.canal.models;
    requires dev.canal.ggml;
    requires info.picocli;
    requires org.jline;
    requires jdk.unsupported;
    requires java.management;
    requires com.fasterxml.jackson.databind;

    opens dev.canal.tools to info.picocli;
}
