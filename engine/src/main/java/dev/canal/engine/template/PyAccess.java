package dev.canal.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * obj.name and obj[key] as jinja2's sandbox resolves them: attribute first then item for `.`, item first then
 * attribute for `[]`; anything missing is Undefined, never an exception; names starting with "_" are refused.
 */
final class PyAccess {
    private PyAccess() {
    }

    /** A slice index a:b:c; parts are null when omitted. */
    record SliceValue(Object start, Object stop, Object step) {
    }

    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (name.startsWith("_")) {
            return new Undefined("access to attribute '" + name + "' of '" + PyOps.typeName(obj) + "' object is unsafe.");
        }
        return switch (obj) {
            case Namespace n -> n.attributes.containsKey(name) ? n.attributes.get(name) : Undefined.missingAttribute(n, name);
            case LoopContext l -> l.attribute(name);
            case Map<?, ?> m -> {
                Object method = PyMethods.lookup(m, name);
                if (method != null) {
                    yield method;
                }
                Object key = PyOps.findKey(m, name);
                yield key != PyOps.NO_KEY ? m.get(key) : Undefined.missingAttribute(m, name);
            }
            case String s -> orMissing(PyMethods.lookup(s, name), s, name);
            case List<?> l -> orMissing(PyMethods.lookup(l, name), l, name);
            case null, default -> Undefined.missingAttribute(obj, name);
        };
    }

    private static Object orMissing(Object method, Object owner, String name) {
        return method != null ? method : Undefined.missingAttribute(owner, name);
    }

    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (key instanceof SliceValue slice) {
            // jinja2 compiles slices to plain Python subscripts: a TypeError here is an error, not Undefined.
            return slice(obj, slice);
        }
        switch (obj) {
            case Map<?, ?> m -> {
                Object found = PyOps.findKey(m, key);
                if (found != PyOps.NO_KEY) {
                    return m.get(found);
                }
            }
            case String s when PyOps.isInt(key) -> {
                List<Object> chars = PyStrings.chars(s);
                int i = index(chars.size(), PyOps.asLong(key));
                return i >= 0 ? chars.get(i) : Undefined.missingAttribute(s, key);
            }
            case List<?> l when PyOps.isInt(key) -> {
                int i = index(l.size(), PyOps.asLong(key));
                return i >= 0 ? l.get(i) : Undefined.missingAttribute(l, key);
            }
            case null, default -> {
            }
        }
        return key instanceof String name ? getattr(obj, name) : Undefined.missingAttribute(obj, key);
    }

    private static int index(int size, long i) {
        long adjusted = i < 0 ? i + size : i;
        return adjusted >= 0 && adjusted < size ? (int) adjusted : -1;
    }

    static Object slice(Object obj, SliceValue slice) {
        List<?> items = switch (obj) {
            case String s -> PyStrings.chars(s);
            case List<?> l -> l;
            case null, default -> throw TemplateError.runtime("'" + PyOps.typeName(obj) + "' object is not subscriptable");
        };
        List<Object> out = new ArrayList<>();
        for (int i : sliceIndices(items.size(), slice)) {
            out.add(items.get(i));
        }
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            out.forEach(sb::append);
            return sb.toString();
        }
        return obj instanceof PyTuple ? new PyTuple(out) : out;
    }

    /** Python's slice.indices(len) followed by range(start, stop, step). */
    static int[] sliceIndices(int length, SliceValue slice) {
        long step = bound(slice.step(), 1);
        if (step == 0) {
            throw TemplateError.runtime("slice step cannot be zero");
        }
        long start = adjust(slice.start(), length, step, step < 0 ? length - 1 : 0);
        long stop = adjust(slice.stop(), length, step, step < 0 ? -1 : length);
        List<Integer> indices = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            indices.add((int) i);
        }
        return indices.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long bound(Object v, long defaultValue) {
        if (v == null) {
            return defaultValue;
        }
        if (!PyOps.isInt(v)) {
            throw TemplateError.runtime("slice indices must be integers or None");
        }
        return PyOps.asLong(v);
    }

    private static long adjust(Object v, int length, long step, long defaultValue) {
        if (v == null) {
            return defaultValue;
        }
        long i = bound(v, 0);
        if (i < 0) {
            i += length;
            if (i < 0) {
                i = step < 0 ? -1 : 0;
            }
        } else if (i >= length) {
            i = step < 0 ? length - 1 : length;
        }
        return i;
    }
}
