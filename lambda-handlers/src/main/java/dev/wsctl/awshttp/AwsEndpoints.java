package dev.wsctl.awshttp;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.regions.GeneratedPartitionMetadataProvider;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * Where each AWS call goes: the one place that turns a region, an endpoint override and the environment into the
 * URLs of DynamoDB, Lambda's Invoke and a stage's {@code @connections} API, for the functions and the CLI alike.
 *
 * <p>An endpoint is, in this order: the override given in code (the CLI's {@code --endpoint-url}); else
 * {@code AWS_ENDPOINT_URL_<SERVICE>}; else {@code AWS_ENDPOINT_URL}; the two variables are ignored when
 * {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS} is {@code true}, the override never is. That is the order the AWS
 * SDKs document (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), with the variables'
 * service identifiers from https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html. Without one,
 * the public endpoint of the region, whose DNS suffix comes from the SDK's partition metadata
 * ({@code amazonaws.com}, {@code amazonaws.com.cn} in China, ...): a small table, not the SDK's endpoint rules or
 * service metadata, which a function would otherwise load at init.
 *
 * <p>A stage's {@code @connections} API is {@code https://{api}.execute-api.{region}.{dnsSuffix}/{stage}} on AWS
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html);
 * with an endpoint {@code E} for it, {@code E/{stage}}, so that a post goes to {@code E/{stage}/@connections/{id}}.
 */
public final class AwsEndpoints {
    public static final String ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL";
    public static final String ENV_IGNORE_CONFIGURED = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    /** Service identifiers of {@code AWS_ENDPOINT_URL_<SERVICE>}, from the SDKs' table of them. */
    public static final String DYNAMODB = "DYNAMODB";

    public static final String LAMBDA = "LAMBDA";
    public static final String CONNECTIONS = "APIGATEWAYMANAGEMENTAPI";
    public static final String APIGATEWAYV2 = "APIGATEWAYV2";
    public static final String IAM = "IAM";
    public static final String STS = "STS";
    public static final String S3 = "S3";
    public static final String CLOUDFORMATION = "CLOUDFORMATION";
    public static final String CLOUDWATCH = "CLOUDWATCH";

    private final URI override;
    private final Map<String, String> env;
    private final boolean ignoreConfigured;

    private AwsEndpoints(URI override, Map<String, String> env) {
        this.override = override;
        this.env = Map.copyOf(env);
        this.ignoreConfigured =
                "true".equals(env.getOrDefault(ENV_IGNORE_CONFIGURED, "").trim().toLowerCase(Locale.ROOT));
        if (!ignoreConfigured) {
            // a bad value fails here, naming its variable, not at the first call to its service
            for (var e : this.env.entrySet()) {
                if (e.getKey().equals(ENV_ENDPOINT_URL) || e.getKey().startsWith(ENV_ENDPOINT_URL + "_")) {
                    if (!e.getValue().isBlank()) {
                        url(e.getKey(), e.getValue());
                    }
                }
            }
        }
    }

    /**
     * The region a function runs in: {@code AWS_REGION} (set by Lambda), else {@code AWS_DEFAULT_REGION}; fails
     * naming the variable.
     */
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

    /** The endpoints the environment configures (a function's, or a process's without an override). */
    public static AwsEndpoints of(Map<String, String> env) {
        return new AwsEndpoints(null, env);
    }

    /**
     * With an override for every service (the CLI's {@code --endpoint-url}), else what {@code env} configures.
     *
     * @throws IllegalArgumentException naming the variable or the override that is not an http(s) URL
     */
    public static AwsEndpoints of(Optional<URI> override, Map<String, String> env) {
        override.ifPresent(o -> url("the endpoint URL", o.toString()));
        return new AwsEndpoints(override.orElse(null), env);
    }

    /** The endpoint configured for {@code service} ({@link #DYNAMODB}, ...), or empty for the region's public one. */
    public Optional<URI> configured(String service) {
        if (override != null) {
            return Optional.of(override);
        }
        if (ignoreConfigured) {
            return Optional.empty();
        }
        for (String name : new String[] {ENV_ENDPOINT_URL + "_" + service, ENV_ENDPOINT_URL}) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(url(name, value));
            }
        }
        return Optional.empty();
    }

    /** DynamoDB's endpoint: the configured one, else {@code https://dynamodb.{region}.{dnsSuffix}}. */
    public URI dynamoDb(Region region) {
        return configured(DYNAMODB).orElseGet(() -> regional("dynamodb", region));
    }

    /** Lambda's endpoint: the configured one, else {@code https://lambda.{region}.{dnsSuffix}}. */
    public URI lambda(Region region) {
        return configured(LAMBDA).orElseGet(() -> regional("lambda", region));
    }

    /** A stage's {@code @connections} base: the configured endpoint followed by {@code /{stage}}, else AWS's. */
    public URI connections(String apiId, Region region, String stage) {
        return configured(CONNECTIONS)
                .map(e -> URI.create(trimSlash(e.toString()) + "/" + stage))
                .orElseGet(() -> URI.create(connectionsUrl(apiId, region.id(), dnsSuffix(region), stage)));
    }

    /**
     * AWS's {@code @connections} base as text, for values that may be template references
     * ({@code ${AWS::Region}}, {@code ${AWS::URLSuffix}}) as well as ids.
     */
    public static String connectionsUrl(String apiId, String region, String dnsSuffix, String stage) {
        return "https://" + apiId + ".execute-api." + region + "." + dnsSuffix + "/" + stage;
    }

    /** The DNS suffix of the region's partition: {@code amazonaws.com}, {@code amazonaws.com.cn}, ... */
    public static String dnsSuffix(Region region) {
        return partition(region).dnsSuffix();
    }

    /**
     * The region's partition, from the SDK's partition metadata, which knows each partition's regions and the
     * pattern of their names (so a region newer than the SDK still falls in the right one). Not
     * {@code Region.metadata()} or {@code PartitionMetadata.of}: their loader builds the metadata of every AWS
     * service first, hundreds of classes and over half a second of a function's cold start.
     */
    public static PartitionMetadata partition(Region region) {
        return PARTITIONS.partitionMetadata(region);
    }

    private static final GeneratedPartitionMetadataProvider PARTITIONS = new GeneratedPartitionMetadataProvider();

    private static URI regional(String service, Region region) {
        return URI.create("https://" + service + "." + region.id() + "." + dnsSuffix(region));
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static URI url(String source, String value) {
        try {
            URI uri = new URI(value.trim());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // the sentence below says it
        }
        throw new IllegalArgumentException(source + " must be an http:// or https:// URL, not '" + value + "'");
    }
}
