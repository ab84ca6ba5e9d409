package dev.canal.engine.template;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The global functions a chat template can call: jinja2's range/dict/namespace and transformers' additions. */
final class Builtins {
    /** jinja2's sandbox refuses larger ranges (MAX_RANGE). */
    private static final long MAX_RANGE = 100_000;

    private Builtins() {
    }

    static void install(Scope globals, Clock clock) {
        globals.set("range", (PyCallable) Builtins::range);
        globals.set("dict", (PyCallable) Builtins::dict);
        globals.set("namespace", (PyCallable) (args, kwargs) -> {
            Namespace ns = new Namespace();
            dict(args, kwargs).forEach((k, v) -> ns.attributes.put(PyOps.str(k), v));
            return ns;
        });
        globals.set("raise_exception", (PyCallable) (args, kwargs) -> {
            CallArgs a = new CallArgs("raise_exception", args, kwargs);
            Object message = a.required(0, "message");
            a.done();
            throw new RaisedException(PyOps.str(message));
        });
        globals.set("strftime_now", (PyCallable) (args, kwargs) -> {
            CallArgs a = new CallArgs("strftime_now", args, kwargs);
            String format = a.string(0, "format", null);
            a.done();
            if (format == null) {
                throw TemplateError.runtime("strftime_now() missing required argument 'format'");
            }
            return Strftime.format(format, ZonedDateTime.now(clock));
        });
    }

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty() || args.isEmpty() || args.size() > 3) {
            throw TemplateError.runtime("range expected 1 to 3 integer arguments");
        }
        for (Object a : args) {
            if (!PyOps.isInt(a)) {
                throw TemplateError.runtime("'" + PyOps.typeName(a) + "' object cannot be interpreted as an integer");
            }
        }
        long start = args.size() == 1 ? 0 : PyOps.asLong(args.get(0));
        long stop = PyOps.asLong(args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? PyOps.asLong(args.get(2)) : 1;
        if (step == 0) {
            throw TemplateError.runtime("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= MAX_RANGE) {
                throw TemplateError.runtime("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            }
            out.add(i);
        }
        return out;
    }

    private static Map<Object, Object> dict(List<Object> args, Map<String, Object> kwargs) {
        if (args.size() > 1) {
            throw TemplateError.runtime("dict expected at most 1 argument, got " + args.size());
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        if (!args.isEmpty()) {
            Object source = args.getFirst();
            if (source instanceof Map<?, ?> m) {
                out.putAll(m);
            } else {
                for (Object pair : PyOps.iterate(source)) {
                    List<Object> kv = PyOps.iterate(pair);
                    if (kv.size() != 2) {
                        throw TemplateError.runtime("dictionary update sequence element has length " + kv.size()
                                + "; 2 is required");
                    }
                    out.put(kv.get(0), kv.get(1));
                }
            }
        }
        out.putAll(kwargs);
        return out;
    }
}
