package dev.wsctl.deploy;

import java.util.Optional;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.Api;
import software.amazon.awssdk.services.apigatewayv2.model.GetApisResponse;

/**
 * Finds a stack's WebSocket API by its name ({@code {app}-{stage}}, as both engines create it), since API ids are
 * generated: one paginated GetApis ({@code apigateway:GET} on {@code /apis}), the only call an operations command
 * needs to reach a deployed stack. The SDK defines no paginator for GetApis, so the pages are walked by
 * {@link Listings}.
 */
public final class DeployedApi {
    private DeployedApi() {}

    /** The API named {@code name}, if there is one. */
    public static Optional<Api> find(ApiGatewayV2Client api, String name) {
        return Listings.find(
                token -> api.getApis(r -> r.nextToken(token).maxResults("500")),
                GetApisResponse::items,
                GetApisResponse::nextToken,
                a -> name.equals(a.name()));
    }
}
