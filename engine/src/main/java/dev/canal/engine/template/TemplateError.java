package dev.canal.engine.template;

/**
 * A syntax or runtime error inside a template, with the template line it happened on (0 while unknown).
 * Internal: {@link ChatTemplate} turns it into a CanalException that names the file and the line.
 */
final class TemplateError extends RuntimeException {
    final int line;
    final boolean syntax;

    TemplateError(String message, int line, boolean syntax) {
        super(message);
        this.line = line;
        this.syntax = syntax;
    }

    static TemplateError syntax(String message, int line) {
        return new TemplateError(message, line, true);
    }

    /** A runtime error; the renderer fills in the line of the statement being executed. */
    static TemplateError runtime(String message) {
        return new TemplateError(message, 0, false);
    }

    TemplateError atLine(int newLine) {
        return line != 0 || newLine == 0 ? this : new TemplateError(getMessage(), newLine, syntax);
    }
}
