package dev.wsctl.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * The demo page ({@code examples/demo.html}, packaged as {@value #RESOURCE}) as the local gateway serves it at
 * {@code GET /}: with the stage filled in, so that the page connects to this gateway by default, and with a
 * Content-Security-Policy that lets only the page's own inline script and style run and only WebSockets connect.
 */
public final class DemoPage {

    static final String RESOURCE = "/dev/wsctl/demo/demo.html";
    /** The element the page reads its default stage from; empty in the file, so that a copied page has no default. */
    static final String STAGE_META = "<meta name=\"wsctl-stage\" content=\"\">";

    private static final Pattern INLINE = Pattern.compile("<(script|style)>(.*?)</\\1>", Pattern.DOTALL);

    private final byte[] body;
    private final String contentSecurityPolicy;

    private DemoPage(String html) {
        this.body = html.getBytes(StandardCharsets.UTF_8);
        StringBuilder scripts = new StringBuilder();
        StringBuilder styles = new StringBuilder();
        Matcher m = INLINE.matcher(html);
        while (m.find())
            (m.group(1).equals("script") ? scripts : styles)
                    .append(" 'sha256-")
                    .append(sha256(m.group(2)))
                    .append('\'');
        if (scripts.isEmpty() || styles.isEmpty())
            throw new IllegalStateException(RESOURCE + " must have an inline <script> and an inline <style>");
        // the hashes are those of the page's own inline blocks, so nothing injected into it could run
        this.contentSecurityPolicy = "default-src 'none'; script-src" + scripts + "; style-src" + styles
                + "; connect-src ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /** The page for a gateway serving {@code stage}. */
    public static DemoPage forStage(String stage) {
        String html = template();
        if (!html.contains(STAGE_META)) throw new IllegalStateException(RESOURCE + " lacks " + STAGE_META);
        return new DemoPage(html.replace(
                STAGE_META, STAGE_META.replace("content=\"\"", "content=\"" + escapeAttribute(stage) + "\"")));
    }

    /** The page as shipped: {@code examples/demo.html}. */
    static String template() {
        try (InputStream in = DemoPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null)
                throw new IllegalStateException("the demo page " + RESOURCE + " is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] body() {
        return body.clone();
    }

    /** GET and HEAD get the page; other methods 405. */
    void handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            return;
        }
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put("Content-Security-Policy", contentSecurityPolicy);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, head ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(body), callback);
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String escapeAttribute(String s) {
        return s.replace("&", "&amp;")
                .replace("\"", "&quot;")
                .replace("<", "&lt;")
                .replace(">", "&gt;");
    }
}
