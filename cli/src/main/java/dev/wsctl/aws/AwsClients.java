package dev.wsctl.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;

/** The SDK clients of one command run, all for one account and region. */
public interface AwsClients extends AutoCloseable {
    String region();

    /** The credentials every client signs with, for clients built elsewhere (the @connections client). */
    AwsCredentialsProvider credentials();

    StsClient sts();

    IamClient iam();

    LambdaClient lambda();

    ApiGatewayV2Client apiGateway();

    DynamoDbAsyncClient dynamoDb();

    /** Where {@code deploy --engine cloudformation} puts the handlers' jar. */
    S3Client s3();

    CloudFormationClient cloudFormation();

    /** The stack's dashboard. */
    CloudWatchClient cloudWatch();

    @Override
    void close();
}
