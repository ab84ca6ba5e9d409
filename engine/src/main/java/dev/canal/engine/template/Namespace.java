package dev.canal.engine.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object namespace() returns: the one thing `set ns.attr = value` may change, so loops can carry state out. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
