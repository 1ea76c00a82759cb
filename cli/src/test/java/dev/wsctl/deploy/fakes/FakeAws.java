package dev.wsctl.deploy.fakes;

import dev.wsctl.aws.AwsClients;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;

import java.util.ArrayList;
import java.util.List;

/**
 * One fake AWS account: IAM, Lambda (which checks roles against this IAM), API Gateway v2, DynamoDB's
 * control plane, STS, S3 and CloudFormation, sharing the account id, region and {@link CallLog}.
 */
public final class FakeAws implements AutoCloseable {
    private final FakeAccount account;
    private final FakeIam iam;
    private final FakeLambda lambda;
    private final FakeApiGatewayV2 apiGateway;
    private final FakeDynamoDbControlPlane dynamo;
    private final FakeSts sts;
    private final FakeS3 s3;
    private final FakeCloudFormation cloudFormation;

    public FakeAws() {
        this(new FakeAccount());
    }

    public FakeAws(FakeAccount account) {
        this.account = account;
        this.iam = new FakeIam(account);
        this.lambda = new FakeLambda(account, iam);
        this.apiGateway = new FakeApiGatewayV2(account);
        this.dynamo = new FakeDynamoDbControlPlane(account);
        this.sts = new FakeSts(account);
        this.s3 = new FakeS3(account);
        this.cloudFormation = new FakeCloudFormation(account);
    }

    public FakeAccount account() {
        return account;
    }

    public CallLog log() {
        return account.log();
    }

    public FakeIam iam() {
        return iam;
    }

    public FakeLambda lambda() {
        return lambda;
    }

    public FakeApiGatewayV2 apiGateway() {
        return apiGateway;
    }

    public FakeDynamoDbControlPlane dynamo() {
        return dynamo;
    }

    public FakeSts sts() {
        return sts;
    }

    public FakeS3 s3() {
        return s3;
    }

    public FakeCloudFormation cloudFormation() {
        return cloudFormation;
    }

    /** This account as the CLI's {@link AwsClients}, in us-east-1 with anonymous credentials. */
    public AwsClients clients() {
        FakeAws aws = this;
        return new AwsClients() {
            public String region() {
                return "us-east-1";
            }

            public AwsCredentialsProvider credentials() {
                return AnonymousCredentialsProvider.create();
            }

            public StsClient sts() {
                return aws.sts();
            }

            public IamClient iam() {
                return aws.iam();
            }

            public LambdaClient lambda() {
                return aws.lambda();
            }

            public ApiGatewayV2Client apiGateway() {
                return aws.apiGateway();
            }

            public DynamoDbAsyncClient dynamoDb() {
                return aws.dynamo();
            }

            public S3Client s3() {
                return aws.s3();
            }

            public CloudFormationClient cloudFormation() {
                return aws.cloudFormation();
            }

            public void close() {
            }
        };
    }

    /** A stand-in handlers.jar in {@code dir}: a zip whose one entry holds {@code content}, so contents differ by it. */
    public static java.nio.file.Path handlersJar(java.nio.file.Path dir, String content) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("dev/wsctl/handlers/version.txt"));
            zip.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        java.nio.file.Path file = dir.resolve("handlers-" + content + ".jar");
        java.nio.file.Files.write(file, bytes.toByteArray());
        return file;
    }

    /** The mutating calls since the last {@link CallLog#reset}, e.g. {@code ["iam:CreateRole", …]}. */
    public List<String> mutatingCalls() {
        return log().mutatingCalls();
    }

    /** See {@link CallLog#failOnMutatingCall}. */
    public void failOnMutatingCall(int k, RuntimeException error) {
        log().failOnMutatingCall(k, error);
    }

    /** Every resource in the account, one line each ("lambda function app-dev-connect", …); empty after a full destroy. */
    public List<String> inventory() {
        List<String> all = new ArrayList<>();
        all.addAll(iam.inventory());
        all.addAll(lambda.inventory());
        all.addAll(apiGateway.inventory());
        all.addAll(dynamo.inventory());
        all.addAll(s3.inventory());
        all.addAll(cloudFormation.inventory());
        return all;
    }

    @Override
    public void close() {
        dynamo.close();
    }
}
