package dev.canal.engine.template;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * C-locale strftime as Python calls it on Linux (glibc), for the strftime_now global that Llama 3.x templates
 * use to print today's date. Supports the common directives and glibc's "-" no-padding flag (%-d).
 */
final class Strftime {
    private Strftime() {
    }

    static String format(String pattern, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                sb.append(c);
                continue;
            }
            boolean pad = true;
            char d = pattern.charAt(++i);
            if (d == '-' && i + 1 < pattern.length()) {
                pad = false;
                d = pattern.charAt(++i);
            }
            String field = directive(d, t, pad);
            sb.append(field != null ? field : (pad ? "%" + d : "%-" + d));
        }
        return sb.toString();
    }

    private static String directive(char d, ZonedDateTime t, boolean pad) {
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'd' -> num(t.getDayOfMonth(), 2, pad);
            case 'e' -> pad ? String.format("%2d", t.getDayOfMonth()) : Integer.toString(t.getDayOfMonth());
            case 'm' -> num(t.getMonthValue(), 2, pad);
            case 'y' -> num(t.getYear() % 100, 2, pad);
            case 'Y' -> Integer.toString(t.getYear());
            case 'H' -> num(t.getHour(), 2, pad);
            case 'I' -> num(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, pad);
            case 'M' -> num(t.getMinute(), 2, pad);
            case 'S' -> num(t.getSecond(), 2, pad);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'j' -> num(t.getDayOfYear(), 3, pad);
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case 'z' -> t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", "");
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'D', 'x' -> format("%m/%d/%y", t);
            case 'F' -> format("%Y-%m-%d", t);
            case 'T', 'X' -> format("%H:%M:%S", t);
            case 'R' -> format("%H:%M", t);
            case 'c' -> format("%a %b %e %H:%M:%S %Y", t);
            case '%' -> "%";
            default -> null;
        };
    }

    private static String num(int value, int width, boolean pad) {
        String s = Integer.toString(value);
        return pad && s.length() < width ? "0".repeat(width - s.length()) + s : s;
    }
}
