package dev.canal.engine.template;

import java.util.List;
import java.util.Map;

/** Anything a template may call: globals, macros, bound string/dict methods, loop.cycle. */
@FunctionalInterface
interface PyCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
