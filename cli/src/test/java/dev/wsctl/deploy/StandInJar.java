package dev.wsctl.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A stand-in for handlers.jar that deploy tests upload with {@code --handlers-jar}: a few bytes instead of the
 * real jar's megabytes per function, so that a test deploy costs milliseconds, and contents that differ by
 * {@code content}, so that a code change can be made.
 */
public final class StandInJar {
    private StandInJar() {}

    /** {@code dir/handlers-{content}.jar}: a zip whose one entry holds {@code content}. */
    public static Path write(Path dir, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("dev/wsctl/handlers/version.txt"));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        Path file = dir.resolve("handlers-" + content + ".jar");
        Files.write(file, bytes.toByteArray());
        return file;
    }
}
