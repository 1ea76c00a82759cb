package dev.wsctl.cli;

import dev.wsctl.ops.ClientSocket;
import dev.wsctl.ops.ClientUrl;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --token}: the JWT the clients of listen, smoke and bench present on {@code $connect}, sent as
 * {@code ?token=} on the WebSocket URL. Defaults to {@code $WSCTL_TOKEN}, which keeps it out of shell history and ps.
 */
public final class TokenOption {
    public static final String ENV = "WSCTL_TOKEN";

    @Option(
            names = "--token",
            paramLabel = "JWT",
            description = {
                "Token the clients connect with, sent as ?token= on the WebSocket URL, for stacks with"
                        + " auth.mode: jwt; mint one with `wsctl token` (default: $" + ENV + ", which, unlike the flag,"
                        + " stays out of shell history and ps). Never printed."
            })
    String token;

    /** --token, else $WSCTL_TOKEN from {@code env}; empty when neither is set. */
    Optional<String> value(Map<String, String> env) {
        if (token != null) {
            if (token.isBlank()) {
                throw CliException.usage("--token must not be empty");
            }
            return Optional.of(token.strip());
        }
        String fromEnv = env.get(ENV);
        return fromEnv == null || fromEnv.isBlank() ? Optional.empty() : Optional.of(fromEnv.strip());
    }

    /** {@code url} with {@code token} in its query, when there is one. */
    static URI connectUrl(URI url, Optional<String> token) {
        return token.map(t -> ClientUrl.withToken(url, t)).orElse(url);
    }

    /** What to do about a refused upgrade, after its status: a token for 401 and 403, nothing for other statuses. */
    static String advice(ClientSocket.Refused refused) {
        return switch (refused.status()) {
            case 401 -> " — pass a valid --token";
            case 403 -> " — pass a valid --token, or check the stack's allowed origins";
            default -> "";
        };
    }

    /** A refused upgrade as one sentence with exit 1: "Could not connect to …: the stack refused the connection: 401 …". */
    static CliException refused(ClientSocket.Refused refused) {
        return new CliException(ExitCode.FAILED, refused.getMessage() + advice(refused) + ".", refused);
    }
}
