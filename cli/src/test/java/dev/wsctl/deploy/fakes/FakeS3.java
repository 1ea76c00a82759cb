package dev.wsctl.deploy.fakes;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.CreateBucketResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Buckets and their objects. Like S3: a PutObject into a bucket that does not exist is {@code NoSuchBucket}, a
 * HeadObject of a key that does not exist is a 404 ({@code NoSuchKeyException}, which is how the SDK reports a HEAD
 * without a body), an object's ETag is the MD5 of its bytes, quoted.
 */
public final class FakeS3 implements S3Client {
    private final FakeAccount account;
    private final Map<String, Map<String, byte[]>> buckets = new TreeMap<>();

    public FakeS3(FakeAccount account) {
        this.account = account;
    }

    // ---- helpers for tests

    /** The bytes stored under {@code key}, or null. */
    public synchronized byte[] object(String bucket, String key) {
        Map<String, byte[]> objects = buckets.get(bucket);
        return objects == null ? null : objects.get(key);
    }

    /** The keys in {@code bucket}, sorted. */
    public synchronized List<String> keys(String bucket) {
        Map<String, byte[]> objects = buckets.get(bucket);
        return objects == null ? List.of() : new ArrayList<>(objects.keySet());
    }

    /** One line per bucket and object. */
    public synchronized List<String> inventory() {
        List<String> out = new ArrayList<>();
        buckets.forEach((bucket, objects) -> {
            out.add("s3 bucket " + bucket);
            objects.keySet().forEach(k -> out.add("s3 object " + bucket + "/" + k));
        });
        return out;
    }

    // ---- buckets and objects

    @Override
    public synchronized CreateBucketResponse createBucket(CreateBucketRequest r) {
        account.log().mutate("s3:CreateBucket");
        if (buckets.containsKey(r.bucket())) {
            throw err(BucketAlreadyOwnedByYouException.builder(), 409, "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.");
        }
        buckets.put(r.bucket(), new TreeMap<>());
        return CreateBucketResponse.builder().location("/" + r.bucket()).build();
    }

    @Override
    public synchronized HeadObjectResponse headObject(HeadObjectRequest r) {
        account.log().read("s3:HeadObject");
        byte[] bytes = object(r.bucket(), r.key());
        if (bytes == null) {
            throw err(NoSuchKeyException.builder(), 404, "NoSuchKey", null);
        }
        return HeadObjectResponse.builder().contentLength((long) bytes.length).eTag(etag(bytes)).build();
    }

    @Override
    public synchronized PutObjectResponse putObject(PutObjectRequest r, RequestBody body) {
        account.log().mutate("s3:PutObject");
        Map<String, byte[]> objects = buckets.get(r.bucket());
        if (objects == null) {
            throw err(NoSuchBucketException.builder(), 404, "NoSuchBucket", "The specified bucket does not exist");
        }
        byte[] bytes;
        try (InputStream in = body.contentStreamProvider().newStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        objects.put(r.key(), bytes);
        return PutObjectResponse.builder().eTag(etag(bytes)).build();
    }

    private static String etag(byte[] bytes) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private <E extends AwsServiceException> E err(AwsServiceException.Builder b, int status, String code, String message) {
        return account.error(b, "S3", status, code, message);
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }
}
