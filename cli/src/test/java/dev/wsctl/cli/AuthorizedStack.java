package dev.wsctl.cli;

import dev.wsctl.local.LocalStack;
import dev.wsctl.local.TestStackConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The local stack with a REQUEST authorizer that admits the tokens {@code accepts} says yes to (from
 * {@code ?token=}) and answers every other one like API Gateway does for "Unauthorized": 401, recording
 * every token it is shown. Tests of the clients' {@code --token} use it.
 */
final class AuthorizedStack implements AutoCloseable {
    /** Every token the authorizer was shown, in order ("" for none). */
    final List<String> tokensSeen = new CopyOnWriteArrayList<>();

    private final LocalStack stack;

    AuthorizedStack(Path db, Predicate<String> accepts) throws Exception {
        stack = LocalStack.start(TestStackConfig.at(db).build(), event -> {
            String token = dev.wsctl.config.Jackson.mapper()
                    .readTree(event)
                    .path("queryStringParameters")
                    .path("token")
                    .asText("");
            tokensSeen.add(token);
            if (!accepts.test(token)) {
                throw new RuntimeException("Unauthorized");
            }
            return ("{\"principalId\":\"tester\",\"policyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
                            + "[{\"Action\":\"execute-api:Invoke\",\"Effect\":\"Allow\",\"Resource\":\"*\"}]}}")
                    .getBytes(StandardCharsets.UTF_8);
        });
    }

    URI url() {
        return stack.websocketUri();
    }

    URI callbackUrl() {
        return stack.callbackUri();
    }

    @Override
    public void close() {
        stack.close();
    }
}
