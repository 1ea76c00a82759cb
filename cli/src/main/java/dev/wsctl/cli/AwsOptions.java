package dev.wsctl.cli;

import dev.wsctl.awshttp.AwsEndpoints;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --profile}, {@code --region}, {@code --endpoint-url}: which AWS account, region and endpoint a
 * command talks to. What is not given is left to the AWS SDK's chains (AWS_PROFILE, AWS_REGION, the
 * profile's region); without {@code --endpoint-url}, the endpoint variables of the AWS SDKs apply ({@link AwsEndpoints}).
 */
public final class AwsOptions {
    @Option(
            names = "--profile",
            paramLabel = "NAME",
            description =
                    "AWS profile from ~/.aws/config (default: the AWS SDK's choice: AWS_PROFILE, else 'default').")
    String profile;

    @Option(
            names = "--region",
            paramLabel = "REGION",
            description = "AWS region, e.g. eu-central-1 (default: region in wsctl.yaml, else the AWS SDK's choice).")
    String region;

    @Option(
            names = "--endpoint-url",
            paramLabel = "URL",
            description =
                    "Send AWS calls to this endpoint instead, e.g. an emulator (default: $AWS_ENDPOINT_URL_<SERVICE>,"
                            + " else $AWS_ENDPOINT_URL).")
    String endpointUrl;

    public Optional<String> profile() {
        if (profile != null && profile.isBlank()) {
            throw CliException.usage("--profile must not be empty");
        }
        return Optional.ofNullable(profile);
    }

    /** {@code --region} as given; {@link StackOptions#load(Map, AwsOptions)} checks it and puts it first. */
    public Optional<String> region() {
        return Optional.ofNullable(region);
    }

    /**
     * Where each service's calls go: {@code --endpoint-url} for every service, else what the environment configures
     * ({@code AWS_ENDPOINT_URL_<SERVICE>}, {@code AWS_ENDPOINT_URL}), else AWS; a bad URL is a usage error.
     */
    public AwsEndpoints endpoints(Map<String, String> env) {
        Optional<URI> override = Optional.empty();
        if (endpointUrl != null) {
            override = Optional.of(url(endpointUrl));
        }
        try {
            return AwsEndpoints.of(override, env);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static URI url(String value) {
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // the sentence below says it
        }
        throw CliException.usage("--endpoint-url must be an http:// or https:// URL, not '" + value + "'");
    }
}
