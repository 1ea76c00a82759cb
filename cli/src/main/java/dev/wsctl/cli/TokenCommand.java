package dev.wsctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.auth.MemberInfo;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import dev.wsctl.protocol.ChannelName;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl token}: a JWT for one user, signed with the stack's wsctl-managed HS256 secret. */
@Command(
        name = "token",
        description = {
            "Mint a token (an HS256 JWT) for a stack with auth.mode: jwt and no identity provider.",
            "It is signed with the secret `wsctl deploy` generated (kept in the stack's {app}-{stage}-authorize function), or with"
                    + " --local the one `wsctl local` keeps in the state directory. Clients send it as ?token= on the"
                    + " WebSocket URL or as Authorization: Bearer; listen, smoke and bench take it as --token or"
                    + " $WSCTL_TOKEN.",
            "",
            "Claims: sub is the user, shown as the sender of what they publish. channels grants joining private-*"
                    + " channels, which need a grant (public channels need none). publish names channels the holder may"
                    + " publish on, on top of what the stack's publish policy (members, any or none) allows,"
                    + " even under none and without joining them. info (--info) is what the other members of a"
                    + " presence-* channel see of the holder: a JSON object of at most 1 KiB. exp is now + --ttl.",
            "",
            "Warning: the secret signs tokens for everyone. Whoever can run this command (on AWS: whoever may read"
                    + " the authorize function's configuration) can be any user with any grant, and a token stays"
                    + " valid until it expires: keep --ttl short and treat tokens like passwords.",
            "",
            "Prints the bare token, so that TOKEN=$(wsctl token --sub alice) works; -o json|yaml prints token, sub,"
                    + " channels, publish, info and expiresAt (ISO-8601). Exit 1 when the stack has no wsctl-managed"
                    + " secret; 2 for a bad option.",
            ""
        },
        footer = {
            "Example:",
            "  export WSCTL_TOKEN=$(wsctl token --sub alice \\",
            "      --channels 'private-team-a-*' --ttl 8h)",
            "  wsctl listen --channel private-team-a-news"
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class TokenCommand implements Callable<Integer> {
    static final Duration MAX_TTL = Duration.ofDays(30);

    @Spec
    CommandSpec spec;

    @Option(
            names = "--sub",
            required = true,
            paramLabel = "USER",
            description = "The user the token is for (its sub claim).")
    String sub;

    @Option(
            names = "--channels",
            split = ",",
            paramLabel = "CHANNEL",
            description = "Channels the holder may join besides public ones: names, or prefixes ending in *"
                    + " (private-team-*); * alone grants every channel. Needed for private-* channels.")
    List<String> channels = List.of();

    @Option(
            names = "--publish",
            split = ",",
            paramLabel = "CHANNEL",
            description = "Channels the holder may publish on, on top of the stack's publish policy (even under"
                    + " none, without joining them): names or prefixes ending in *, as for --channels.")
    List<String> publish = List.of();

    @Option(
            names = "--info",
            paramLabel = "JSON",
            description = "What the other members of a presence-* channel see of the holder (its info claim):"
                    + " a JSON object of at most 1024 bytes as compact JSON, e.g. '{\"name\":\"Alice\"}'.")
    String info;

    @Option(
            names = "--ttl",
            defaultValue = "1h",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long the token is valid, at most 30d, e.g. 15m, 8h, 7d (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Mixin
    RunningStackOptions target;

    private final Context context;

    public TokenCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (sub.isBlank()) {
            throw CliException.usage("--sub must not be blank");
        }
        channels.forEach(c -> checkPattern("--channels", c));
        publish.forEach(c -> checkPattern("--publish", c));
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw CliException.usage("--ttl must be between 1s and 30d, not "
                    + ttl.toString().substring(2).toLowerCase(Locale.ROOT));
        }
        String compactInfo = null;
        if (info != null) {
            try {
                compactInfo = MemberInfo.parse(info);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--info must be a JSON object of at most " + MemberInfo.MAX_BYTES
                        + " bytes, and " + e.getMessage() + ".");
            }
        }
        String token =
                TokenVerifier.mint(target.signingSecret(context).require(), sub, channels, publish, compactInfo, ttl);
        if (token.length() > TokenVerifier.MAX_TOKEN_CHARS) {
            throw CliException.usage("The token would be " + token.length() + " characters, more than the "
                    + TokenVerifier.MAX_TOKEN_CHARS + " a stack accepts; grant fewer channels, or prefixes (name-*).");
        }
        PrintWriter out = spec.commandLine().getOut();
        OutputOptions output = target.output();
        if (output.format() == OutputOptions.Format.TABLE) {
            out.println(token);
        } else {
            ObjectNode json = Json.object();
            json.put("token", token);
            json.put("sub", sub);
            channels.forEach(json.putArray("channels")::add);
            publish.forEach(json.putArray("publish")::add);
            if (compactInfo != null) {
                json.set("info", infoJson(compactInfo));
            }
            json.put("expiresAt", expiresAt(token).toString());
            StackCommand.print(out, json, output);
        }
        out.flush();
        return ExitCode.OK;
    }

    /** A channel name, or a prefix of one followed by {@code *}, or {@code *} alone (every channel). */
    static void checkPattern(String option, String entry) {
        if (entry.equals("*")) {
            return;
        }
        String name = entry.endsWith("*") ? entry.substring(0, entry.length() - 1) : entry;
        String problem = ChannelName.problem(name);
        if (problem != null) {
            throw CliException.usage(option + " entry '" + entry + "' is not a channel name or a prefix ending in *: "
                    + problem.replaceFirst("^channel ", "it "));
        }
    }

    private static JsonNode infoJson(String compact) {
        try {
            return Jackson.mapper().readTree(compact);
        } catch (IOException e) {
            throw new IllegalStateException("checked info is no longer JSON", e);
        }
    }

    /** The token's own exp claim, so that what is printed is what the stack will check. */
    private static Instant expiresAt(String token) {
        try {
            JsonNode claims = Jackson.mapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
            return Instant.ofEpochSecond(claims.get("exp").asLong());
        } catch (IOException e) {
            throw new IllegalStateException("a freshly minted token has no readable exp", e);
        }
    }
}
