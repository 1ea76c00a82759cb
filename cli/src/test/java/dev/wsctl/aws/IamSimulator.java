package dev.wsctl.aws;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.Checkout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whether an identity policy allows a call, as an IAM policy evaluator wsctl did not write decides it:
 * {@code @cloud-copilot/iam-simulate} (npm, in tools/iam-simulate, installed by scripts/test; run by Node). Besides
 * actions, resources and condition operators, it checks each resource against the types the Service Authorization
 * Reference says the action is authorized on (except API Gateway's, see tools/iam-simulate/simulate.js) and reports
 * context keys the action does not take.
 */
public final class IamSimulator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "123456789012";

    private IamSimulator() {}

    /** One call as IAM authorizes it: the action, the resource ({@code *} for none), the request's context keys. */
    public record Call(String action, String resource, Map<String, String> context) {
        public Call(String action, String resource) {
            this(action, resource, Map.of());
        }

        @Override
        public String toString() {
            return action + " " + resource + (context.isEmpty() ? "" : " " + context);
        }
    }

    /** The evaluator's answer: {@code Allowed}, {@code ImplicitlyDenied}, {@code ExplicitlyDenied} or {@code Error}. */
    public record Decision(Call call, String decision, String error, List<String> ignoredContextKeys) {
        public boolean allowed() {
            return decision.equals("Allowed") && ignoredContextKeys.isEmpty();
        }

        @Override
        public String toString() {
            return call + ": " + decision + (error.isEmpty() ? "" : " " + error)
                    + (ignoredContextKeys.isEmpty()
                            ? ""
                            : ", context keys the action does not take " + ignoredContextKeys);
        }
    }

    /** The decision on each call, in order, for a user of account 123456789012 with only {@code policy}. */
    public static List<Decision> decide(JsonNode policy, List<Call> calls) throws IOException, InterruptedException {
        Path tool = Checkout.root().resolve("tools/iam-simulate");
        if (!Files.isDirectory(tool.resolve("node_modules/@cloud-copilot/iam-simulate"))) {
            fail("tools/iam-simulate is not installed: run `npm ci` in " + tool + " (scripts/test does)");
        }
        ObjectNode input = JSON.createObjectNode()
                .put("account", ACCOUNT)
                .put("principal", "arn:aws:iam::" + ACCOUNT + ":user/wsctl-policy-test");
        input.putArray("policies").addObject().put("name", "policy").set("policy", policy);
        var requests = input.putArray("requests");
        for (Call call : calls) {
            ObjectNode r = requests.addObject().put("action", call.action()).put("resource", call.resource());
            call.context().forEach(r.putObject("context")::put);
        }
        Process node = new ProcessBuilder("node", "simulate.js")
                .directory(tool.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (var in = node.getOutputStream()) {
            JSON.writeValue(in, input);
        }
        byte[] out = node.getInputStream().readAllBytes();
        if (!node.waitFor(60, TimeUnit.SECONDS)) {
            node.destroyForcibly();
            fail("node simulate.js did not finish in 60 s");
        }
        if (node.exitValue() != 0) {
            fail("node simulate.js exited with " + node.exitValue());
        }
        JsonNode answers = JSON.readTree(out);
        List<Decision> decisions = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode a = answers.get(i);
            List<String> ignored = new ArrayList<>();
            a.path("ignoredContextKeys").forEach(k -> ignored.add(k.asText()));
            decisions.add(new Decision(
                    calls.get(i), a.get("decision").asText(), a.path("error").asText(""), ignored));
        }
        return decisions;
    }
}
