package dev.wsctl.deploy.fakes;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityRequest;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * GetCallerIdentity for the fake account, as IAM user {@code wsctl-test} unless told otherwise, or one of
 * the failures a CLI has to explain: no credentials at all (the SDK's client-side
 * "Unable to load credentials …" SdkClientException), an expired session token, an invalid key, access denied.
 */
public final class FakeSts implements StsClient {
    /** The start of the message of the SdkClientException the SDK throws when no credentials provider has any. */
    public static final String NO_CREDENTIALS = "Unable to load credentials from any of the providers in the chain";

    private final FakeAccount account;
    private String arn;
    private String userId = "AIDA" + FakeAccount.id(1, 17).toUpperCase(java.util.Locale.ROOT);
    private RuntimeException failure;

    public FakeSts(FakeAccount account) {
        this.account = account;
        this.arn = "arn:aws:iam::" + account.accountId() + ":user/wsctl-test";
    }

    /** Answers as this principal from now on (and clears any failure). */
    public synchronized FakeSts identity(String arn, String userId) {
        this.arn = arn;
        this.userId = userId;
        this.failure = null;
        return this;
    }

    /** Every call throws {@code e} until {@link #succeed()}. */
    public synchronized FakeSts failWith(RuntimeException e) {
        this.failure = e;
        return this;
    }

    public synchronized FakeSts succeed() {
        this.failure = null;
        return this;
    }

    /** No credentials anywhere in the default chain: the SDK fails before sending anything. */
    public FakeSts failWithMissingCredentials() {
        return failWith(SdkClientException.builder().message(NO_CREDENTIALS
                + " AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentialsProvider(), "
                + "EnvironmentVariableCredentialsProvider(), WebIdentityTokenFileCredentialsProvider(), "
                + "ProfileCredentialsProvider(profileName=default, profileFile=ProfileFile(sections=[])), "
                + "ContainerCredentialsProvider(), InstanceProfileCredentialsProvider()]) : "
                + "[SystemPropertyCredentialsProvider(): Unable to load credentials from system settings. Access key must be "
                + "specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., "
                + "EnvironmentVariableCredentialsProvider(): Unable to load credentials from system settings. Access key must "
                + "be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., "
                + "WebIdentityTokenFileCredentialsProvider(): Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or "
                + "the javaproperty aws.webIdentityTokenFile must be set., ProfileCredentialsProvider(profileName=default, "
                + "profileFile=ProfileFile(sections=[])): Profile file contained no credentials for profile 'default': "
                + "ProfileFile(sections=[]), ContainerCredentialsProvider(): Cannot fetch credentials from container - neither "
                + "AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI environment variables are set., "
                + "InstanceProfileCredentialsProvider(): Failed to load credentials from IMDS.]").build());
    }

    /** The session token has expired: StsException, error code ExpiredToken, 403. */
    public FakeSts failWithExpiredToken() {
        return failWith(account.<StsException>error(StsException.builder(), "Sts", 403, "ExpiredToken",
                "The security token included in the request is expired"));
    }

    /** The access key does not exist: StsException, error code InvalidClientTokenId, 403. */
    public FakeSts failWithInvalidToken() {
        return failWith(account.<StsException>error(StsException.builder(), "Sts", 403, "InvalidClientTokenId",
                "The security token included in the request is invalid."));
    }

    /** Denied (an SCP, say): StsException, error code AccessDenied, 403. */
    public FakeSts failWithAccessDenied() {
        return failWith(account.<StsException>error(StsException.builder(), "Sts", 403, "AccessDenied",
                "User: " + arn + " is not authorized to perform: sts:GetCallerIdentity with an explicit deny in a service control policy"));
    }

    @Override
    public synchronized GetCallerIdentityResponse getCallerIdentity(GetCallerIdentityRequest request) {
        account.log().read("sts:GetCallerIdentity");
        if (failure != null) {
            throw failure;
        }
        return GetCallerIdentityResponse.builder().account(account.accountId()).arn(arn).userId(userId).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }
}
