package dev.wsctl.cost;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The list prices {@code wsctl cost} multiplies by, per region, in US dollars, each with where it was read and when.
 * On-demand prices, free tiers left out.
 *
 * <p>Only us-east-1 is here. eu-west-1, eu-central-1 and ap-southeast-1 are left out on purpose: their WebSocket message and connection-minute prices, their DynamoDB on-demand request prices and their CloudWatch
 * Logs ingestion prices could not be read from a source at the date below (AWS's pricing pages render those tables
 * in the browser), and a figure that was not read is not put here. A region is added with a {@link Region} whose
 * every price names its page and date.
 */
public final class Prices {
    /** When the figures below were read. */
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
     * @param date   when
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
     * cut of 2024-11-01). CloudWatch Logs: $0.50 per GB ingested. Data transfer out: $0.09 per GB (first 10 TB).
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

    private static final Map<String, Region> REGIONS = new TreeMap<>(Map.of(US_EAST_1.name(), US_EAST_1));

    private Prices() {}

    public static Optional<Region> of(String region) {
        return Optional.ofNullable(REGIONS.get(region));
    }

    /** The regions with prices, sorted. */
    public static List<String> regions() {
        return List.copyOf(REGIONS.keySet());
    }
}
