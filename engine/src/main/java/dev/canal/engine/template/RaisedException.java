package dev.canal.engine.template;

/** Thrown by the template's own raise_exception(msg); carries the template author's message unchanged. */
final class RaisedException extends RuntimeException {
    RaisedException(String message) {
        super(message);
    }
}
