package dev.wsctl.awshttp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A key and self-signed certificate for 127.0.0.1, made by the JDK's keytool: RSA 2048, as API Gateway's
 * certificates are. {@link #server()} serves it ({@link dev.wsctl.connections.FakeConnectionsEndpoint}); a client trusts it through
 * {@link #client()}, or, in another JVM, through the trust store's system properties ({@link #trustStoreFlags()}).
 */
public final class SelfSignedTls {
    private static final String PASSWORD = "wsctl-test";
    private final Path keys;
    private final Path trustStore;

    private SelfSignedTls(Path keys, Path trustStore) {
        this.keys = keys;
        this.trustStore = trustStore;
    }

    /** Makes the key, the certificate and a trust store holding it, as files in {@code dir}. */
    public static SelfSignedTls create(Path dir) {
        Path keys = dir.resolve("keys.p12");
        Path cert = dir.resolve("cert.pem");
        Path trust = dir.resolve("trust.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "endpoint",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keys.toString(),
                "-storepass",
                PASSWORD);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "endpoint",
                "-file",
                cert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                keys.toString(),
                "-storepass",
                PASSWORD);
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "endpoint",
                "-file",
                cert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                trust.toString(),
                "-storepass",
                PASSWORD);
        return new SelfSignedTls(keys, trust);
    }

    /** TLS with the key, for a server. */
    public SSLContext server() {
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(load(keys), PASSWORD.toCharArray());
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(factory.getKeyManagers(), null, null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not load the key keytool made", e);
        }
    }

    /** TLS that trusts the certificate (and nothing else), for a client in this JVM. */
    public SSLContext client() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(load(trustStore));
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not load the trust store keytool made", e);
        }
    }

    /** The JVM flags that make another JVM trust the certificate in place of the JDK's CA list. */
    public List<String> trustStoreFlags() {
        return List.of(
                "-Djavax.net.ssl.trustStore=" + trustStore,
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
                "-Djavax.net.ssl.trustStoreType=PKCS12");
    }

    private static KeyStore load(Path file) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + String.join(" ", command) + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
