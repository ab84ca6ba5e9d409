package dev.canal.engine.template;

/**
 * jinja2's default Undefined: prints as "", is false, has length 0 and iterates as empty, but fails when
 * used in arithmetic, called, or looked into. The hint is the error raised on such use.
 */
final class Undefined {
    final String hint;

    Undefined(String hint) {
        this.hint = hint;
    }

    static Undefined named(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined missingAttribute(Object owner, Object attribute) {
        String owned = owner == null ? "None" : PyOps.typeName(owner) + " object";
        return attribute instanceof String
                ? new Undefined("'" + owned + "' has no attribute '" + attribute + "'")
                : new Undefined("'" + owned + "' has no element " + PyOps.repr(attribute));
    }

    TemplateError fail() {
        return TemplateError.runtime(hint);
    }

    @Override
    public String toString() {
        return "";
    }
}
