package dev.wsctl.cli;

import picocli.CommandLine.Option;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --profile}, {@code --region}, {@code --endpoint-url}: which AWS account, region and endpoint a
 * command talks to. What is not given is left to the AWS SDK's chains (AWS_PROFILE, AWS_REGION, the
 * profile's region); {@code --endpoint-url} falls back to {@code AWS_ENDPOINT_URL}.
 */
public final class AwsOptions {
    public static final String ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL";

    @Option(names = "--profile", paramLabel = "NAME",
            description = "AWS profile from ~/.aws/config (default: the AWS SDK's choice: AWS_PROFILE, else 'default').")
    String profile;

    @Option(names = "--region", paramLabel = "REGION",
            description = "AWS region, e.g. eu-central-1 (default: region in wsctl.yaml, else the AWS SDK's choice).")
    String region;

    @Option(names = "--endpoint-url", paramLabel = "URL",
            description = "Send AWS calls to this endpoint instead, e.g. an emulator (default: $AWS_ENDPOINT_URL).")
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

    /** {@code --endpoint-url}, else {@code AWS_ENDPOINT_URL} from {@code env}; an http(s) URL. */
    public Optional<URI> endpointUrl(Map<String, String> env) {
        if (endpointUrl != null) {
            return Optional.of(url("--endpoint-url", endpointUrl));
        }
        String fromEnv = env.get(ENV_ENDPOINT_URL);
        return fromEnv == null || fromEnv.isBlank() ? Optional.empty() : Optional.of(url(ENV_ENDPOINT_URL, fromEnv.trim()));
    }

    private static URI url(String source, String value) {
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // the sentence below says it
        }
        throw CliException.usage(source + " must be an http:// or https:// URL, not '" + value + "'");
    }
}
