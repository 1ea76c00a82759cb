package dev.wsctl.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Where each key of a YAML file is, and what its value looked like, by dotted key
 * ({@code memory.send} → line 7, {@code 64}). Jackson's binding errors carry a path but a location that
 * can be a line late, and a bound record forgets its lines; this outline, read first, is where every
 * message about the file gets its line from. Reading it also finds what binding would report
 * badly: YAML syntax errors, duplicate keys, a file that is not a mapping, a second document.
 */
final class YamlOutline {

    /** What a value looked like, for messages: strings are quoted there, numbers are not. */
    enum Kind {
        TEXT,
        NUMBER,
        BOOLEAN,
        NULL,
        SECTION,
        LIST
    }

    /** A key's line (1-based) and its value's kind and, for a scalar, its text as written. */
    record Node(int line, Kind kind, String text) {
        /** {@code 64}, {@code 'lots'}, {@code a section}, {@code a list}: the "not …" of a message. */
        String shown() {
            return switch (kind) {
                case TEXT -> Shown.quote(text);
                case NUMBER, BOOLEAN -> Shown.text(text);
                case NULL -> "nothing";
                case SECTION -> "a section of keys";
                case LIST -> "a list";
            };
        }
    }

    private final String file;
    private final Map<String, Node> nodes = new HashMap<>();
    private boolean empty = true;

    private YamlOutline(String file) {
        this.file = file;
    }

    /** Reads {@code text}, shown as {@code file} in messages; ConfigException for syntax and shape errors. */
    static YamlOutline read(JsonFactory yaml, String file, String text) {
        YamlOutline outline = new YamlOutline(file);
        try (JsonParser p = yaml.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                return outline; // empty, or only comments
            }
            if (first != JsonToken.START_OBJECT) {
                throw new ConfigException(file + " line " + line(p)
                        + ": must be a mapping of keys to values (app: …, stage: …), not "
                        + (first == JsonToken.START_ARRAY ? "a list" : Shown.quote(p.getText())));
            }
            outline.empty = false;
            outline.walk(p, "");
            if (p.nextToken() != null) {
                throw new ConfigException(
                        file + " line " + line(p) + ": holds a second YAML document (after '---'); wsctl reads one");
            }
        } catch (JsonProcessingException e) {
            throw syntaxError(file, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String
        }
        return outline;
    }

    boolean isEmpty() {
        return empty;
    }

    /** The node of a dotted key, or null. */
    Node node(String path) {
        return nodes.get(path);
    }

    /** {@code wsctl.yaml line 7}, or just {@code wsctl.yaml} when the key is not in the file. */
    String where(String path) {
        Node n = nodes.get(path);
        return n == null ? file : file + " line " + n.line();
    }

    /** At the parser's current START_OBJECT or START_ARRAY or scalar, which belongs to {@code path}. */
    private void walk(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Set<String> seen = new HashSet<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String child = path.isEmpty() ? name : path + "." + name;
                int line = line(p);
                if (!seen.add(name)) {
                    throw new ConfigException(file + " line " + line + ": duplicate key " + Shown.quote(child));
                }
                JsonToken value = p.nextToken();
                nodes.put(child, new Node(line, kind(value), isScalar(value) ? p.getText() : null));
                walk(p, child);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String child = path + "[" + i++ + "]";
                nodes.put(child, new Node(line(p), kind(p.currentToken()), p.getText()));
                walk(p, child);
            }
        }
    }

    private static boolean isScalar(JsonToken t) {
        return t.isScalarValue();
    }

    private static Kind kind(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> Kind.SECTION;
            case START_ARRAY -> Kind.LIST;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Kind.NUMBER;
            case VALUE_TRUE, VALUE_FALSE -> Kind.BOOLEAN;
            case VALUE_NULL -> Kind.NULL;
            default -> Kind.TEXT;
        };
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }

    /** SnakeYAML knows where and what; Jackson wraps it in a message of several lines. */
    static ConfigException syntaxError(String file, Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                Mark mark = m.getProblemMark();
                String context = m.getContext() == null ? "" : " (" + m.getContext() + ")";
                return new ConfigException(file + " line " + (mark.getLine() + 1) + ": not valid YAML at column "
                        + (mark.getColumn() + 1) + ": " + m.getProblem() + context);
            }
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof YAMLException y) {
                return new ConfigException(file + ": not valid YAML: " + firstLine(y.getMessage()));
            }
        }
        String where = e instanceof JsonProcessingException j && j.getLocation() != null
                ? " line " + j.getLocation().getLineNr()
                : "";
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new ConfigException(file + where + ": not valid YAML: " + firstLine(message));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
