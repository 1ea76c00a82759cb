package dev.wsctl.aws;

import dev.wsctl.awshttp.AwsEndpoints;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Real SDK clients. The synchronous ones share one Apache HTTP client, which (unlike the URL-connection
 * client) sends the PATCH requests API Gateway v2 updates are made of; DynamoDB uses the runtime's
 * async client, as the connection table's code does everywhere. IAM is global: its client is pinned
 * to us-east-1 unless an endpoint is given.
 */
public final class SdkAwsClients implements AwsClients {
    private final Region region;
    private final SdkHttpClient http = ApacheHttpClient.create();
    /** Shut down without Netty's two-second quiet period, which every command would otherwise wait out on exit. */
    private final SdkEventLoopGroup loops = SdkEventLoopGroup.builder().build();

    private final SdkAsyncHttpClient asyncHttp = NettyHttp.client(16, loops);
    private final AwsCredentialsProvider credentials;
    private final AwsEndpoints endpoints;
    private final ClientOverrideConfiguration overrides;
    private StsClient sts;
    private IamClient iam;
    private LambdaClient lambda;
    private ApiGatewayV2Client apiGateway;
    private DynamoDbAsyncClient dynamoDb;
    private S3Client s3;
    private CloudFormationClient cloudFormation;
    private CloudWatchClient cloudWatch;

    /**
     * @param region   {@code --region} or the config's; empty: the SDK's region chain (AWS_REGION, the profile)
     * @param endpoints where each service's calls go ({@code --endpoint-url}, the SDKs' endpoint variables); a
     *                  service without one is left to the SDK, which also reads the profile's {@code endpoint_url}
     */
    public SdkAwsClients(Optional<String> profile, Optional<String> region, AwsEndpoints endpoints) {
        this(profile, region, endpoints, List.of());
    }

    /**
     * @param interceptors run on every call of every client, in order (the tests count calls and inject
     *                     failures through them)
     */
    public SdkAwsClients(
            Optional<String> profile,
            Optional<String> region,
            AwsEndpoints endpoints,
            List<ExecutionInterceptor> interceptors) {
        this.overrides = ClientOverrideConfiguration.builder()
                .executionInterceptors(List.copyOf(interceptors))
                .build();
        this.credentials = profile.<AwsCredentialsProvider>map(ProfileCredentialsProvider::create)
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
        this.region = region.map(Region::of).orElseGet(() -> {
            try {
                // AWS_REGION, then the profile; not the EC2 metadata service, which on a laptop costs
                // a timeout before it says nothing
                AwsProfileRegionProvider fromProfile = profile.map(
                                p -> new AwsProfileRegionProvider(ProfileFile::defaultProfileFile, p))
                        .orElseGet(AwsProfileRegionProvider::new);
                return new AwsRegionProviderChain(new SystemSettingsRegionProvider(), fromProfile).getRegion();
            } catch (SdkClientException e) {
                throw new AwsSetupException("No AWS region: pass --region, set region in wsctl.yaml or AWS_REGION,"
                        + " or give your profile a region.");
            }
        });
        this.endpoints = endpoints;
    }

    /** @param service the service's identifier in {@code AWS_ENDPOINT_URL_<SERVICE>} */
    private <B extends AwsClientBuilder<B, C>, C> C build(B builder, String service) {
        builder.region(region).credentialsProvider(credentials).overrideConfiguration(overrides);
        endpoints.configured(service).ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Override
    public String region() {
        return region.id();
    }

    @Override
    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    @Override
    public synchronized StsClient sts() {
        return sts == null ? sts = build(StsClient.builder().httpClient(http), AwsEndpoints.STS) : sts;
    }

    @Override
    public synchronized IamClient iam() {
        if (iam == null) {
            var builder = IamClient.builder()
                    .httpClient(http)
                    .credentialsProvider(credentials)
                    .region(Region.AWS_GLOBAL)
                    .overrideConfiguration(overrides);
            endpoints
                    .configured(AwsEndpoints.IAM)
                    .ifPresent(e -> builder.endpointOverride(e).region(region));
            iam = builder.build();
        }
        return iam;
    }

    @Override
    public synchronized LambdaClient lambda() {
        return lambda == null ? lambda = build(LambdaClient.builder().httpClient(http), AwsEndpoints.LAMBDA) : lambda;
    }

    @Override
    public synchronized ApiGatewayV2Client apiGateway() {
        return apiGateway == null
                ? apiGateway = build(ApiGatewayV2Client.builder().httpClient(http), AwsEndpoints.APIGATEWAYV2)
                : apiGateway;
    }

    @Override
    public synchronized DynamoDbAsyncClient dynamoDb() {
        return dynamoDb == null
                ? dynamoDb = build(DynamoDbAsyncClient.builder().httpClient(asyncHttp), AwsEndpoints.DYNAMODB)
                : dynamoDb;
    }

    /** Path-style addressing with an endpoint: emulators serve buckets under their own host name. */
    @Override
    public synchronized S3Client s3() {
        return s3 == null
                ? s3 = build(
                        S3Client.builder()
                                .httpClient(http)
                                .forcePathStyle(
                                        endpoints.configured(AwsEndpoints.S3).isPresent()),
                        AwsEndpoints.S3)
                : s3;
    }

    @Override
    public synchronized CloudFormationClient cloudFormation() {
        return cloudFormation == null
                ? cloudFormation = build(CloudFormationClient.builder().httpClient(http), AwsEndpoints.CLOUDFORMATION)
                : cloudFormation;
    }

    @Override
    public synchronized CloudWatchClient cloudWatch() {
        return cloudWatch == null
                ? cloudWatch = build(CloudWatchClient.builder().httpClient(http), AwsEndpoints.CLOUDWATCH)
                : cloudWatch;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable c :
                new AutoCloseable[] {sts, iam, lambda, apiGateway, dynamoDb, s3, cloudFormation, cloudWatch}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing on the way out
                }
            }
        }
        http.close();
        asyncHttp.close();
        NettyHttp.shutdown(loops);
    }
}
