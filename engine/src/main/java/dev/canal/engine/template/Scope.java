package dev.canal.engine.template;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of the template. A for-loop iteration, macro call, with-block or captured
 * block gets a child scope, so `set` inside it does not leak out (jinja2's scoping); `if` does not.
 */
final class Scope {
    static final Object ABSENT = new Object();

    private final Map<String, Object> variables = new HashMap<>();
    private final Scope parent;

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.variables.getOrDefault(name, ABSENT);
            if (v != ABSENT) {
                return v;
            }
        }
        return ABSENT;
    }

    void set(String name, Object value) {
        variables.put(name, value);
    }
}
