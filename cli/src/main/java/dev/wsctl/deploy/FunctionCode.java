package dev.wsctl.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** The handlers' code: the jar embedded in wsctl, or a customised build given with {@code --handlers-jar}. */
public record FunctionCode(byte[] jar, String sha256) {
    /** Where the build puts {@code handlers.jar} inside the wsctl jar. */
    public static final String EMBEDDED = "/dev/wsctl/cli/handlers.jar";

    /** {@code handlers.jar} as embedded in the wsctl jar at build time. */
    public static FunctionCode embedded() {
        try (InputStream in = FunctionCode.class.getResourceAsStream(EMBEDDED)) {
            if (in == null) {
                throw new DeployException("This wsctl build has no embedded handlers.jar; build it with `mvn package`"
                        + " or pass --handlers-jar PATH.");
            }
            return of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static FunctionCode file(Path jar) {
        try {
            return of(Files.readAllBytes(jar));
        } catch (IOException e) {
            throw new DeployException("Cannot read the handlers jar " + jar + ": " + e.getMessage(), e);
        }
    }

    /** Lambda's CodeSha256: the base64 SHA-256 of the deployment package. */
    public static FunctionCode of(byte[] jar) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(jar);
            return new FunctionCode(jar, Base64.getEncoder().encodeToString(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
