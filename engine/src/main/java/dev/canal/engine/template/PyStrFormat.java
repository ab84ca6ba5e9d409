package dev.canal.engine.template;

import java.util.List;
import java.util.Map;

/** str.format with plain replacement fields ({}, {0}, {name}, {{ and }}); format specs are not supported. */
final class PyStrFormat {
    private PyStrFormat() {
    }

    static String format(String template, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{' && template.startsWith("{{", i)) {
                sb.append('{');
                i += 2;
            } else if (c == '}' && template.startsWith("}}", i)) {
                sb.append('}');
                i += 2;
            } else if (c == '{') {
                int close = template.indexOf('}', i);
                if (close < 0) {
                    throw TemplateError.runtime("Single '{' encountered in format string");
                }
                String field = template.substring(i + 1, close);
                String conversion = "s";
                int bang = field.indexOf('!');
                if (bang >= 0) {
                    conversion = field.substring(bang + 1);
                    field = field.substring(0, bang);
                }
                if (field.contains(":")) {
                    throw TemplateError.runtime("format specs in str.format are not supported: {" + field + "}");
                }
                Object value;
                if (field.isEmpty()) {
                    value = positional(args, auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    value = positional(args, Integer.parseInt(field));
                } else if (kwargs.containsKey(field)) {
                    value = kwargs.get(field);
                } else {
                    throw TemplateError.runtime("KeyError: '" + field + "'");
                }
                sb.append(conversion.equals("r") ? PyOps.repr(value) : PyOps.str(value));
                i = close + 1;
            } else if (c == '}') {
                throw TemplateError.runtime("Single '}' encountered in format string");
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) {
            throw TemplateError.runtime("Replacement index " + index + " out of range for positional args tuple");
        }
        return args.get(index);
    }
}
