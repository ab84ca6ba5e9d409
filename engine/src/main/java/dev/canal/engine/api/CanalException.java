package dev.canal.engine.api;

/**
 * An error the user can cause and fix: a missing file, a malformed header, an unsupported combination.
 * Its message is one line that names the file, tensor or field and says what was expected; the CLI prints
 * it as is (no stack trace unless --verbose).
 */
public class CanalException extends RuntimeException {
    public CanalException(String message) {
        super(message);
    }

    public CanalException(String message, Throwable cause) {
        super(message, cause);
    }
}
