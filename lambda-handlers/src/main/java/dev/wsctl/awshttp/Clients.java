package dev.wsctl.awshttp;

import java.util.Map;
import software.amazon.awssdk.regions.Region;

/** The region a function (or a command given no region) runs in. */
public final class Clients {
    private Clients() {}

    /** {@code AWS_REGION} (set by Lambda), else {@code AWS_DEFAULT_REGION}; fails naming the variable. */
    public static Region region(Map<String, String> env) {
        String region = env.get("AWS_REGION");
        if (region == null || region.isBlank()) {
            region = env.get("AWS_DEFAULT_REGION");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalStateException("AWS_REGION is not set");
        }
        return Region.of(region.trim());
    }
}
