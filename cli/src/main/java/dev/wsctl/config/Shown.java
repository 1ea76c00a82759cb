package dev.wsctl.config;

/**
 * How a value from a config file, a {@code WSCTL_*} variable or a flag appears in a message: cut short and
 * escaped, so that a 2 MB value gives a line, not 2 MB, and a value holding terminal escape sequences
 * (ESC, BEL, C1 controls, bidirectional overrides) is shown, not obeyed by the terminal that prints it.
 */
final class Shown {
    /** Characters (code points) of a value that a message shows; the rest is "…" and the value's length. */
    static final int MAX_CHARACTERS = 60;

    private Shown() {}

    /** {@code 'value'}; a longer value as its first 60 characters, {@code …'} and {@code (N characters)}. */
    static String quote(String value) {
        int length = value.codePointCount(0, value.length());
        if (length <= MAX_CHARACTERS) {
            return "'" + escape(value) + "'";
        }
        return "'" + escape(value.substring(0, value.offsetByCodePoints(0, MAX_CHARACTERS))) + "…' (" + length
                + " characters)";
    }

    /** A key or a number as written: cut short like {@link #quote}, without quotes or length. */
    static String text(String value) {
        if (value.codePointCount(0, value.length()) <= MAX_CHARACTERS) {
            return escape(value);
        }
        return escape(value.substring(0, value.offsetByCodePoints(0, MAX_CHARACTERS))) + "…";
    }

    /**
     * Every character a terminal would act on or not show as itself, as {@code \n}, {@code \t}, {@code \r} or
     * {@code \}{@code uXXXX}: controls (C0, DEL, C1), format characters (bidirectional overrides, zero-width ones),
     * line and paragraph separators, unpaired surrogates, private-use and unassigned code points. Printable text,
     * backslashes included, is unchanged, so escaping twice changes nothing.
     */
    static String escape(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            int next = i + Character.charCount(c);
            if (harmful(c)) {
                if (out == null) {
                    out = new StringBuilder(value.length() + 16).append(value, 0, i);
                }
                switch (c) {
                    case '\n' -> out.append("\\n");
                    case '\t' -> out.append("\\t");
                    case '\r' -> out.append("\\r");
                    default -> {
                        for (int j = i; j < next; j++) {
                            out.append(String.format("\\u%04x", (int) value.charAt(j)));
                        }
                    }
                }
            } else if (out != null) {
                out.appendCodePoint(c);
            }
            i = next;
        }
        return out == null ? value : out.toString();
    }

    private static boolean harmful(int c) {
        if (Character.isISOControl(c)) {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.FORMAT,
                    Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE,
                    Character.PRIVATE_USE,
                    Character.UNASSIGNED -> true;
            default -> false;
        };
    }
}
