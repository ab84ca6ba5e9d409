package dev.canal.engine.template;

import java.util.AbstractList;
import java.util.List;

/** An immutable Python tuple: prints as (a, b), never equals a list, unpacks in for/set targets. */
final class PyTuple extends AbstractList<Object> {
    private final Object[] items;

    PyTuple(List<?> items) {
        this.items = items.toArray();
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
