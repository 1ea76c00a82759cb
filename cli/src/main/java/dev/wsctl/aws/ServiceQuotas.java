package dev.wsctl.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.awshttp.SigV4;
import dev.wsctl.config.Jackson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;

/**
 * Service Quotas' GetServiceQuota, the one call wsctl makes of it: a JSON 1.1 POST with the target
 * {@code ServiceQuotasV20190624.GetServiceQuota}, signed for {@code servicequotas}
 * (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html). Written here, on the
 * SDK's signer and HTTP client, because the SDK's {@code servicequotas} module is not published for the SDK version
 * wsctl is built with. An error answer becomes the SDK's {@link AwsServiceException} with its code and message, so
 * that it reads like any other AWS error.
 */
public final class ServiceQuotas {
    /** The identifier of {@code AWS_ENDPOINT_URL_SERVICE_QUOTAS} (https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html). */
    public static final String ENDPOINT_ID = "SERVICE_QUOTAS";

    private static final String TARGET = "ServiceQuotasV20190624.GetServiceQuota";

    private final SdkHttpClient http;
    private final SigV4 signer;
    private final URI endpoint;

    ServiceQuotas(SdkHttpClient http, AwsCredentialsProvider credentials, Region region, URI endpoint) {
        this.http = http;
        this.signer = new SigV4(credentials, "servicequotas", region.id(), true, Clock.systemUTC());
        this.endpoint = endpoint;
    }

    /** {@code https://servicequotas.{region}.{dnsSuffix}}. */
    static URI endpoint(Region region) {
        return URI.create("https://servicequotas." + region.id() + "." + AwsEndpoints.dnsSuffix(region));
    }

    /**
     * The quota's value as applied to the account (GetServiceQuota's {@code Quota.Value}).
     *
     * @throws AwsServiceException the service's error (e.g. NoSuchResourceException, AccessDeniedException)
     * @throws SdkClientException  no answer
     */
    public double value(String serviceCode, String quotaCode) {
        byte[] body = Jackson.mapper()
                .createObjectNode()
                .put("ServiceCode", serviceCode)
                .put("QuotaCode", quotaCode)
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        ContentStreamProvider payload = ContentStreamProvider.fromByteArray(body);
        SdkHttpRequest request = signer.sign(
                SigV4.template(endpoint, "/")
                        .putHeader("Content-Type", "application/x-amz-json-1.1")
                        .putHeader("X-Amz-Target", TARGET)
                        .putHeader("Content-Length", String.valueOf(body.length))
                        .build(),
                payload);
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                            .request(request)
                            .contentStreamProvider(payload)
                            .build())
                    .call();
            JsonNode answer;
            try (InputStream in = response.responseBody().orElse(null)) {
                answer = in == null
                        ? Jackson.mapper().createObjectNode()
                        : Jackson.mapper().readTree(in.readAllBytes());
            }
            int status = response.httpResponse().statusCode();
            if (status / 100 == 2 && answer.path("Quota").path("Value").isNumber()) {
                return answer.path("Quota").path("Value").asDouble();
            }
            String type = answer.path("__type").asText("");
            throw AwsServiceException.builder()
                    .statusCode(status)
                    .message(
                            answer.path("message").asText(answer.path("Message").asText("")))
                    .awsErrorDetails(AwsErrorDetails.builder()
                            .serviceName("ServiceQuotas")
                            .errorCode(type.isEmpty() ? null : type.substring(type.indexOf('#') + 1))
                            .errorMessage(answer.path("message")
                                    .asText(answer.path("Message").asText(null)))
                            .build())
                    .build();
        } catch (IOException e) {
            throw SdkClientException.create("GetServiceQuota failed: " + e.getMessage(), e);
        }
    }
}
