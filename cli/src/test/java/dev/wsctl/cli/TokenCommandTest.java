package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.config.Jackson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;

/**
 * {@code wsctl token}: signed with the local secret, or a deployed stack's, read from the authorize function in moto's
 * server ({@link MotoServer}) by the real SDK clients; each test's functions are made by its own clients, under an
 * app name of its own.
 */
class TokenCommandTest {
    private static final String TRUST = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
            + "\"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}";

    @TempDir
    Path dir;

    private static int apps;
    private final String app = "t" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++apps);
    private final String stack = app + "-dev";
    private final CallRecorder calls = new CallRecorder();
    private AwsReadBack aws;

    /** The emulator, for the tests of a deployed stack only: --local needs none. */
    private AwsReadBack aws() {
        if (aws == null) {
            aws = new AwsReadBack(MotoServer.url());
        }
        return aws;
    }

    @AfterEach
    void close() {
        if (aws != null) {
            aws.close();
        }
    }

    private CliRun local(String... args) {
        List<String> all = new ArrayList<>(List.of("token"));
        all.addAll(List.of(args));
        all.addAll(List.of("--local", "--state-dir", dir.toString()));
        return CliRun.wsctl(all.toArray(String[]::new));
    }

    private static JsonNode claims(String token) throws IOException {
        return Jackson.mapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    }

    private static void assertSecretNotShown(CliRun r, byte[] secret) {
        assertThat(r.out() + r.err())
                .doesNotContain(AuthSettings.encodeSecret(secret))
                .doesNotContain(Base64.getEncoder().encodeToString(secret));
    }

    // ---- with --local

    @Test
    void signsWithTheLocalSecretAndPrintsTheBareToken() throws Exception {
        byte[] secret = LocalSecret.loadOrCreate(dir);

        CliRun r = local("--sub", "alice", "--channels", "news,private-team-*", "--publish", "news,*", "--ttl", "2h");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines()).hasSize(1);
        String token = r.out().strip();
        TokenVerifier.Verified verified = TokenVerifier.hs256(secret).verify(token);
        assertThat(verified.sub()).isEqualTo("alice");
        assertThat(verified.channels()).containsExactly("news", "private-team-*");
        assertThat(verified.publish()).containsExactly("news", "*");
        JsonNode claims = claims(token);
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong())
                .isEqualTo(Duration.ofHours(2).toSeconds());
        assertThat(claims.get("exp").asLong())
                .isCloseTo(Instant.now().plus(Duration.ofHours(2)).getEpochSecond(), within(5L));
        assertSecretNotShown(r, secret);
    }

    @Test
    void withoutGrantsTheTokenCarriesNone() throws Exception {
        byte[] secret = LocalSecret.loadOrCreate(dir);
        CliRun r = local("--sub", "bob");
        assertThat(r.code()).as(r.err()).isZero();
        TokenVerifier.Verified verified =
                TokenVerifier.hs256(secret).verify(r.out().strip());
        assertThat(verified.channels()).isEmpty();
        assertThat(verified.publish()).isEmpty();
        JsonNode claims = claims(r.out().strip());
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(3600); // default --ttl 1h
    }

    @Test
    void jsonOutputHasTheTokenAndItsClaims() throws Exception {
        byte[] secret = LocalSecret.loadOrCreate(dir);

        CliRun r = local("--sub", "alice", "--channels", "private-x", "--ttl", "7d", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = Jackson.mapper().readTree(r.out());
        assertThat(json.fieldNames()).toIterable().containsExactly("token", "sub", "channels", "publish", "expiresAt");
        assertThat(json.get("sub").asText()).isEqualTo("alice");
        assertThat(json.get("channels")).isEqualTo(Jackson.mapper().readTree("[\"private-x\"]"));
        assertThat(json.get("publish")).isEqualTo(Jackson.mapper().readTree("[]"));
        String token = json.get("token").asText();
        assertThat(TokenVerifier.hs256(secret).verify(token).channels()).containsExactly("private-x");
        Instant expiresAt = Instant.parse(json.get("expiresAt").asText());
        assertThat(expiresAt.getEpochSecond())
                .isEqualTo(claims(token).get("exp").asLong());
        assertThat(expiresAt)
                .isBetween(
                        Instant.now().plus(Duration.ofDays(7)).minusSeconds(5),
                        Instant.now().plus(Duration.ofDays(7)));
        assertSecretNotShown(r, secret);
    }

    @Test
    void aMissingOrBlankSubIsAUsageError() {
        LocalSecret.loadOrCreate(dir);
        CliRun missing = local();
        assertThat(missing.code()).isEqualTo(ExitCode.USAGE);
        assertThat(missing.err()).contains("--sub");

        CliRun blank = local("--sub", "  ");
        assertThat(blank.code()).isEqualTo(ExitCode.USAGE);
        assertThat(blank.err()).isEqualTo("wsctl: --sub must not be blank\n");
        assertThat(blank.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a*b", "#x", "", "**", "news,,other", "private-*-x"})
    void aBadChannelPatternIsAUsageErrorNamingIt(String entries) {
        LocalSecret.loadOrCreate(dir);
        String bad = List.of("a*b", "#x", "**", "private-*-x").contains(entries) ? entries : "";
        for (String option : List.of("--channels", "--publish")) {
            CliRun r = local("--sub", "alice", option, entries);
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err())
                    .startsWith("wsctl: " + option + " entry '" + bad
                            + "' is not a channel name or a prefix ending in *: it ");
            assertThat(r.err().lines()).hasSize(1);
            assertThat(r.out()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "31d", "721h", "500ms"})
    void aTtlOutsideOneSecondToThirtyDaysIsAUsageError(String ttl) {
        LocalSecret.loadOrCreate(dir);
        CliRun r = local("--sub", "alice", "--ttl", ttl);
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).startsWith("wsctl: --ttl must be between 1s and 30d, not ");
    }

    @Test
    void aTtlThatIsNoDurationIsAUsageError() {
        CliRun r = local("--sub", "alice", "--ttl", "soon");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--ttl").contains("'soon' is not a duration");
    }

    @Test
    void withoutALocalSecretItSaysWhoCreatesOne() {
        CliRun r = local("--sub", "alice");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: There is no local auth secret (" + dir.resolve("auth-secret")
                        + "): `wsctl local` creates it when wsctl.yaml sets auth.mode: jwt.\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void helpExplainsTheClaimsAndWarnsAboutTheSecret() {
        CliRun r = CliRun.wsctl("token", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out().replaceAll("\\s+", " "))
                .contains(
                        "--sub=USER",
                        "--channels",
                        "--publish",
                        "--ttl",
                        "--local",
                        "-o, --output",
                        "private-*",
                        "publish policy",
                        "signs tokens for everyone");
    }

    // ---- a deployed stack

    private CliRun deployed(String... args) throws IOException {
        Files.writeString(dir.resolve("wsctl.yaml"), "app: " + app + "\n");
        Context context = new Context(
                Map.of(),
                (options, config, env) -> new SdkAwsClients(
                        Optional.empty(),
                        config.region(),
                        AwsEndpoints.of(Optional.of(MotoServer.url()), Map.of()),
                        List.of(calls)),
                null);
        List<String> all = new ArrayList<>(List.of("token"));
        all.addAll(List.of(args));
        all.addAll(List.of(
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                "us-east-1",
                "--config",
                dir.resolve("wsctl.yaml").toString()));
        return CliRun.wsctl(context, all.toArray(String[]::new));
    }

    private void function(String name, Map<String, String> environment) throws IOException {
        String role = aws().iam
                .createRole(r -> r.roleName(name).assumeRolePolicyDocument(TRUST))
                .role()
                .arn();
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            out.putNextEntry(new ZipEntry("handler.txt"));
            out.write(name.getBytes());
        }
        aws().lambda
                .createFunction(r -> r.functionName(name)
                        .role(role)
                        .runtime("java21")
                        .handler("h::handle")
                        .code(c -> c.zipFile(SdkBytes.fromByteArray(zip.toByteArray())))
                        .environment(e -> e.variables(environment)));
    }

    @Test
    void signsWithTheSecretOfTheDeployedAuthorizeFunction() throws Exception {
        byte[] secret = AuthSettings.newSecret();
        function(stack + "-connect", Map.of());
        function(
                stack + "-authorize",
                Map.of(AuthSettings.ENV_MODE, "jwt", AuthSettings.ENV_SECRET, AuthSettings.encodeSecret(secret)));
        calls.reset();

        CliRun r = deployed("--sub", "carol", "--channels", "private-ops");

        assertThat(r.code()).as(r.err()).isZero();
        TokenVerifier.Verified verified =
                TokenVerifier.hs256(secret).verify(r.out().strip());
        assertThat(verified.sub()).isEqualTo("carol");
        assertThat(verified.channels()).containsExactly("private-ops");
        assertThat(calls.mutatingCalls()).isEmpty();
        assertSecretNotShown(r, secret);
    }

    @Test
    void aDeployedStackWithoutSecretUsesNoWsctlManagedSecret() throws Exception {
        function(stack + "-connect", Map.of());
        function(
                stack + "-authorize",
                Map.of(
                        AuthSettings.ENV_MODE,
                        "jwt",
                        AuthSettings.ENV_JWKS_URL,
                        "https://idp.example.com/.well-known/jwks.json"));

        CliRun r = deployed("--sub", "carol");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo(
                        "wsctl: Stack " + stack + " uses no wsctl-managed secret (function " + stack + "-authorize"
                                + " has no WSCTL_AUTH_SECRET): tokens come from your identity provider (auth.jwksUrl) or auth is off.\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aDeployedStackWithoutAuthorizeFunctionUsesNoWsctlManagedSecret() throws Exception {
        function(stack + "-connect", Map.of());

        CliRun r = deployed("--sub", "carol");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Stack " + stack + " uses no wsctl-managed secret (there is no function" + " " + stack
                        + "-authorize): tokens come from your identity provider (auth.jwksUrl) or auth is off.\n");
    }

    @Test
    void aStackThatIsNotDeployedSaysSo() throws Exception {
        CliRun r = deployed("--sub", "carol");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Stack " + stack + " is not deployed in us-east-1. Run `wsctl deploy`, or pass"
                        + " --local for the local stack.\n");
    }

    @Test
    void aBrokenDeployedSecretIsOneSentenceWithoutTheValue() throws Exception {
        function(stack + "-connect", Map.of());
        function(stack + "-authorize", Map.of(AuthSettings.ENV_SECRET, "dG9vLXNob3J0"));

        CliRun r = deployed("--sub", "carol");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: The WSCTL_AUTH_SECRET of function " + stack + "-authorize is not a valid"
                        + " secret: the auth secret must be at least 32 bytes, not 9.\n");
    }
}
