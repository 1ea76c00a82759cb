package dev.wsctl.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CloudFormation template that the stack's resources describe themselves into ({@link Resource#template}), for
 * {@code wsctl template} and {@code wsctl deploy --engine cloudformation}.
 *
 * <p>References travel as the engine's outputs do, as strings: {@code ${Api}}, {@code ${ConnectionsTable.Arn}},
 * {@code ${AWS::Region}}, written exactly as {@code Fn::Sub} reads them. So a resource's desired state, computed from
 * outputs that are references rather than values read from AWS, is the template's description of that resource.
 * {@link #json()} turns every string that holds one into the intrinsic function: {@code Ref} for a string that is
 * one reference to a name, {@code Fn::GetAtt} for one to an attribute, {@code Fn::Sub} for the rest; and refuses a
 * reference to anything the template does not declare.
 */
public final class Template {
    /** Parameter: the bucket that holds the handlers' jar. */
    public static final String CODE_BUCKET = "CodeS3Bucket";
    /** Parameter: the jar's key in {@link #CODE_BUCKET}. */
    public static final String CODE_KEY = "CodeS3Key";
    /** NoEcho parameter: the authorizer's HS256 secret, when auth is jwt without a JWKS URL. */
    public static final String AUTH_SECRET = "AuthSecret";
    /** NoEcho parameter: the webhooks' HMAC-SHA256 secret, when webhooks are on. */
    public static final String WEBHOOK_SECRET = "WebhookSecret";

    public static final String FORMAT_VERSION = "2010-09-09";
    private static final Set<String> PSEUDO_PARAMETERS = Set.of(
            "AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}!][^}]*)}");
    private static final Pattern ONE_REFERENCE = Pattern.compile("\\$\\{([^}.!]+)(?:\\.([^}]+))?}");
    private static final YAMLMapper YAML = YAMLMapper.builder(
                    YAMLFactory.builder().stringQuotingChecker(new Quoting()).build())
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    /** Quotes what YAML 1.1 would read as a date, such as a policy's {@code Version: "2012-10-17"}, besides the rest. */
    private static final class Quoting extends StringQuotingChecker.Default {
        private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || DATE.matcher(value).matches();
        }
    }

    private static final String HEADER = """
            # Rendered by `wsctl template` from the stack's configuration: edit wsctl.yaml and render it again rather
            # than this file. Deploy it with `wsctl deploy --engine cloudformation --code-bucket BUCKET`, or yourself with
            # the handlers' jar in S3 (parameters CodeS3Bucket, CodeS3Key) and CAPABILITY_NAMED_IAM.
            """;

    private final String description;
    private final ObjectNode parameters = Json.object();
    private final ObjectNode resources = Json.object();
    private final Map<String, String> outputs = new LinkedHashMap<>();

    public Template(String description) {
        this.description = description;
    }

    /** {@code ${name}}: a reference to a parameter, a resource (its {@code Ref}) or a pseudo parameter. */
    public static String ref(String name) {
        return "${" + name + "}";
    }

    /** {@code ${logicalId.attribute}}: a resource's attribute ({@code Fn::GetAtt}). */
    public static String attribute(String logicalId, String attribute) {
        return "${" + logicalId + "." + attribute + "}";
    }

    /** Whether {@code value} is or holds a reference, i.e. is no plain value. */
    public static boolean isReference(String value) {
        return REFERENCE.matcher(value).find();
    }

    /**
     * A logical id from words: each word's letters and digits, its first letter upper case.
     * {@code ("$connect", "Route")} → {@code ConnectRoute}; {@code ("function.send")} → {@code FunctionSend}.
     */
    public static String logicalId(String... words) {
        StringBuilder id = new StringBuilder();
        for (String word : words) {
            for (String part : word.split("[^A-Za-z0-9]+")) {
                if (!part.isEmpty()) {
                    id.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
                }
            }
        }
        return id.toString();
    }

    /** A short hex digest of {@code text}, for logical ids that must change when it does. */
    static String digest(String text) {
        byte[] sha = Base64.getDecoder()
                .decode(FunctionCode.of(text.getBytes(StandardCharsets.UTF_8)).sha256());
        return HexFormat.of().formatHex(sha, 0, 5);
    }

    /** A string parameter. */
    public void parameter(String name, String description) {
        parameters.putObject(name).put("Type", "String").put("Description", description);
    }

    /** A string parameter that CloudFormation never shows (NoEcho), whose value must match {@code allowedPattern}. */
    public void secretParameter(String name, String description, String allowedPattern) {
        parameters
                .putObject(name)
                .put("Type", "String")
                .put("Description", description)
                .put("NoEcho", true)
                .put("AllowedPattern", allowedPattern);
    }

    /** Adds a resource; returns its {@code Properties} for the caller to fill. */
    public ObjectNode resource(String logicalId, String type) {
        if (!logicalId.matches("[A-Za-z0-9]{1,255}") || resources.has(logicalId)) {
            throw new IllegalStateException("resource " + logicalId + " is invalid or already in the template");
        }
        ObjectNode resource = resources.putObject(logicalId);
        resource.put("Type", type);
        return resource.putObject("Properties");
    }

    /** Makes {@code logicalId} wait for {@code others}, which it does not reference. */
    public void dependsOn(String logicalId, List<String> others) {
        ArrayNode list = ((ObjectNode) resources.get(logicalId)).putArray("DependsOn");
        others.forEach(list::add);
    }

    /** The logical ids of the resources of {@code type}, in the order they were added. */
    public List<String> logicalIds(String type) {
        List<String> ids = new ArrayList<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                ids.add(e.getKey());
            }
        });
        return ids;
    }

    /** How many resources there are. */
    public int size() {
        return resources.size();
    }

    /** An output, named after {@code key} ({@code callbackUrl} → {@code CallbackUrl}). */
    public void output(String key, String value) {
        outputs.put(key, value);
    }

    /** The outputs' keys ({@code url}, {@code function.send}, …) and the output names that hold them. */
    public Map<String, String> outputNames() {
        Map<String, String> names = new LinkedHashMap<>();
        outputs.keySet().forEach(k -> names.put(k, logicalId(k)));
        return names;
    }

    /** Whether the template has the parameter {@code name}. */
    public boolean hasParameter(String name) {
        return parameters.has(name);
    }

    /** The template as JSON, references turned into intrinsic functions. */
    public ObjectNode json() {
        ObjectNode t = Json.object();
        t.put("AWSTemplateFormatVersion", FORMAT_VERSION);
        t.put("Description", description);
        t.set("Parameters", parameters.deepCopy());
        t.set("Resources", intrinsics(resources));
        ObjectNode out = t.putObject("Outputs");
        outputs.forEach((key, value) -> out.putObject(logicalId(key))
                .set("Value", intrinsics(Jackson.mapper().getNodeFactory().textNode(value))));
        return t;
    }

    /** The template as YAML, keys in the order they were added, under a comment that says where it comes from. */
    public String yaml() {
        try {
            return HEADER + YAML.writeValueAsString(json());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of {@code node} in which every string holding a reference is the intrinsic function for it. */
    private JsonNode intrinsics(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = Json.object();
            node.fields().forEachRemaining(e -> copy.set(e.getKey(), intrinsics(e.getValue())));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> copy.add(intrinsics(n)));
            return copy;
        }
        if (!node.isTextual() || !isReference(node.asText())) {
            return node.deepCopy();
        }
        String text = node.asText();
        if (text.contains(Outputs.UNKNOWN)) {
            throw new IllegalStateException("the template would hold " + text + ": a resource reads an output that"
                    + " no resource before it publishes");
        }
        Matcher all = REFERENCE.matcher(text);
        while (all.find()) {
            checkDeclared(all.group(1), text);
        }
        Matcher one = ONE_REFERENCE.matcher(text);
        if (one.matches() && one.group(2) == null) {
            return Json.object().put("Ref", one.group(1));
        }
        if (one.matches()) {
            ObjectNode getAtt = Json.object();
            getAtt.putArray("Fn::GetAtt").add(one.group(1)).add(one.group(2));
            return getAtt;
        }
        return Json.object().put("Fn::Sub", text);
    }

    private void checkDeclared(String reference, String in) {
        String name = reference.contains("::") ? reference : reference.split("\\.", 2)[0];
        if (!PSEUDO_PARAMETERS.contains(name) && !parameters.has(name) && !resources.has(name)) {
            throw new IllegalStateException("'" + in + "' refers to " + name + ", which the template does not declare");
        }
    }

    /** Tags as most resource types take them: a list of {@code {Key, Value}}, by key. */
    static ArrayNode tagList(Map<String, String> tags) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        new TreeMap<>(tags).forEach((k, v) -> list.addObject().put("Key", k).put("Value", v));
        return list;
    }

    /** A string map as a JSON object, by key: environment variables, or tags as {@code AWS::ApiGatewayV2::Api} takes them. */
    static ObjectNode object(Map<String, String> values) {
        ObjectNode map = Json.object();
        new TreeMap<>(values).forEach(map::put);
        return map;
    }
}
