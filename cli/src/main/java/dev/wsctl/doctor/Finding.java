package dev.wsctl.doctor;

import java.util.Optional;

/**
 * One line of {@code wsctl doctor}: what was checked, how it stands, what was found, and for a WARN or FAIL the one
 * thing to do about it.
 *
 * @param check  a stable name, e.g. {@code credentials}, {@code ttl} (pipelines key on it)
 * @param status OK, WARN or FAIL
 * @param detail what was found, one sentence
 * @param fix    what to do; empty for OK
 */
public record Finding(String check, Status status, String detail, Optional<String> fix) {

    /** How a finding stands. */
    public enum Status {
        OK,
        WARN,
        FAIL
    }

    public Finding {
        if (status != Status.OK && fix.isEmpty()) {
            throw new IllegalArgumentException(check + ": a " + status + " finding says what to do");
        }
    }

    static Finding ok(String check, String detail) {
        return new Finding(check, Status.OK, detail, Optional.empty());
    }

    static Finding warn(String check, String detail, String fix) {
        return new Finding(check, Status.WARN, detail, Optional.of(fix));
    }

    static Finding fail(String check, String detail, String fix) {
        return new Finding(check, Status.FAIL, detail, Optional.of(fix));
    }
}
