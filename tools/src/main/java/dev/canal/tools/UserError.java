package dev.canal.tools;

/** A mistake on the command line that only the CLI can see (a missing file, an unreadable JSON argument). */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }

    UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
