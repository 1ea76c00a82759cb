package dev.wsctl.awshttp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The JDK's keep-alive limit that the functions' HTTP transport raises (the rest: {@link dev.wsctl.connections.ConnectionsApiTest}). */
class UrlConnectionPoolTest {

    @Test
    void keepAliveRaisesTheJdksLimitAndNeverLowersIt() {
        String before = System.getProperty(UrlConnectionPool.MAX_KEEP_ALIVE);
        try {
            System.clearProperty(UrlConnectionPool.MAX_KEEP_ALIVE);
            UrlConnectionPool.keepAlive(128);
            assertThat(System.getProperty(UrlConnectionPool.MAX_KEEP_ALIVE)).isEqualTo("128");
            UrlConnectionPool.keepAlive(16);
            assertThat(System.getProperty(UrlConnectionPool.MAX_KEEP_ALIVE)).isEqualTo("128");
            System.setProperty(UrlConnectionPool.MAX_KEEP_ALIVE, "not a number");
            UrlConnectionPool.keepAlive(16);
            assertThat(System.getProperty(UrlConnectionPool.MAX_KEEP_ALIVE)).isEqualTo("16");
        } finally {
            if (before == null) {
                System.clearProperty(UrlConnectionPool.MAX_KEEP_ALIVE);
            } else {
                System.setProperty(UrlConnectionPool.MAX_KEEP_ALIVE, before);
            }
        }
    }
}
