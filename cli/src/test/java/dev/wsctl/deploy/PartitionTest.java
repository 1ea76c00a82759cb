package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.config.StackConfig;
import java.lang.reflect.Proxy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * What deploy would create in a region names that region's partition in every ARN and its DNS suffix in every host
 * name: the engine's desired states for the region (the ids AWS assigns stand as template references), before any
 * call to AWS.
 */
class PartitionTest {
    @ParameterizedTest
    @CsvSource({
        "eu-west-1, aws, amazonaws.com",
        "cn-north-1, aws-cn, amazonaws.com.cn",
        "us-gov-west-1, aws-us-gov, amazonaws.com"
    })
    void everyArnAndHostNameIsTheRegionsPartitions(String region, String partition, String dnsSuffix) {
        Engine engine = Stack.engine(
                StackConfig.defaults(),
                clientsIn(region),
                "123456789012",
                FunctionCode.of(new byte[0]),
                new FunctionResource.Retry(1, BackoffStrategy.retryImmediately(), d -> {}));
        Template template = new Template("partition");
        template.parameter(Template.CODE_BUCKET, "the handlers' jar");
        template.parameter(Template.CODE_KEY, "the handlers' jar");
        engine.template(template);
        String rendered = template.json().toString();

        assertThat(rendered)
                .contains(
                        "arn:" + partition + ":logs:" + region + ":123456789012:log-group:",
                        "arn:" + partition + ":execute-api:" + region + ":123456789012:",
                        "arn:" + partition + ":apigateway:" + region + ":lambda:path/2015-03-31/functions/",
                        ".execute-api." + region + "." + dnsSuffix + "/dev");
        assertThat(java.util.Arrays.stream(rendered.split("arn:", -1)).skip(1))
                .allMatch(arn -> arn.startsWith(partition + ":"));
    }

    /** Clients in {@code region} that are never called: building the engine reads nothing from AWS. */
    private static AwsClients clientsIn(String region) {
        return (AwsClients) Proxy.newProxyInstance(
                AwsClients.class.getClassLoader(),
                new Class<?>[] {AwsClients.class},
                (proxy, method, args) -> method.getName().equals("region") ? region : null);
    }
}
