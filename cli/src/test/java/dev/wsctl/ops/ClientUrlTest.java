package dev.wsctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The token in a client's WebSocket URL: added to the query, and never shown. */
class ClientUrlTest {

    @Test
    void addsTheTokenToTheQueryKeepingWhatIsThere() {
        assertThat(ClientUrl.withToken(URI.create("wss://abc.execute-api.eu-west-1.amazonaws.com/prod"), "a.b.c"))
                .hasToString("wss://abc.execute-api.eu-west-1.amazonaws.com/prod?token=a.b.c");
        assertThat(ClientUrl.withToken(URI.create("ws://127.0.0.1:8080/local?tenant=a%20b&x"), "a.b.c"))
                .hasToString("ws://127.0.0.1:8080/local?tenant=a%20b&x&token=a.b.c");
    }

    @Test
    void replacesATokenAlreadyInTheUrlAndEncodesIt() {
        assertThat(ClientUrl.withToken(URI.create("ws://h/local?token=old&a=1&token"), "new token+&="))
                .hasToString("ws://h/local?a=1&token=new+token%2B%26%3D");
    }

    @Test
    void showsUrlsWithTheTokenRedacted() {
        assertThat(ClientUrl.shown(URI.create("ws://h/local?a=1&token=x.y.z&b=2")))
                .isEqualTo("ws://h/local?a=1&token=…&b=2");
        assertThat(ClientUrl.shown(URI.create("ws://h/local?token=x.y.z"))).isEqualTo("ws://h/local?token=…");
        assertThat(ClientUrl.shown(URI.create("ws://h/local?mytoken=kept"))).isEqualTo("ws://h/local?mytoken=kept");
        assertThat(ClientUrl.shown(URI.create("ws://h/local"))).isEqualTo("ws://h/local");
    }
}
