package dev.wsctl.deploy.fakes;

import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.util.SdkAutoConstructList;
import software.amazon.awssdk.core.util.SdkAutoConstructMap;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Copies SDK model objects member by member (by member name), so a stored {@code Route} becomes a
 * {@code GetRouteResponse}, and an {@code UpdateRouteRequest} patches a stored {@code Route}: the
 * services' responses and stored shapes share member names.
 */
final class Pojos {
    private Pojos() {
    }

    /** Copies every member of {@code from} that {@code to} has, set or not. */
    static <B extends SdkPojo> B copy(SdkPojo from, B to) {
        return transfer(from, to, false);
    }

    /** Copies only the members set on {@code from} (PATCH semantics: absent means unchanged). */
    static <B extends SdkPojo> B patch(SdkPojo from, B to) {
        return transfer(from, to, true);
    }

    private static <B extends SdkPojo> B transfer(SdkPojo from, B to, boolean onlySet) {
        Map<String, SdkField<?>> target = to.sdkFields().stream()
                .collect(Collectors.toMap(SdkField::memberName, Function.identity()));
        for (SdkField<?> f : from.sdkFields()) {
            SdkField<?> t = target.get(f.memberName());
            Object value = f.getValueOrDefault(from);
            if (t == null || onlySet && (value == null || value instanceof SdkAutoConstructList
                    || value instanceof SdkAutoConstructMap)) {
                continue;
            }
            t.set(to, value);
        }
        return to;
    }
}
