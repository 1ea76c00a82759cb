package dev.wsctl.local;

/**
 * What a route of the local gateway invokes: the Lambda proxy integration as a function from the event
 * JSON that API Gateway would send to the result JSON the function returns.
 */
@FunctionalInterface
public interface Integration {
    byte[] invoke(byte[] eventJson) throws Exception;
}
