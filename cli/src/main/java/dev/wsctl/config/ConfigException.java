package dev.wsctl.config;

/**
 * A configuration that cannot be used, as one sentence that names where the bad value came from:
 * {@code wsctl.yaml line 3: memory.send must be between 128 and 10240, not 64},
 * {@code WSCTL_MEMORY must be a whole number, not 'lots'}, {@code --app must …}.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        // values are quoted short and escaped where a message is made; this keeps what slips through (a parser's
        // own message) from reaching a terminal as escape sequences
        super(Shown.escape(message));
    }
}
