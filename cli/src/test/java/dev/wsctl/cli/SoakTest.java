package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A smoke-size soak: the full one's code path (a wsctl local process, two worker processes, a fixed rate), small. */
class SoakTest {
    @TempDir
    Path dir;

    @Test
    void everyBroadcastAtAFixedRateReachesEverySocketExactlyOnceAndTheServerHeapIsRead() throws Exception {
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        Soak.Params smoke = new Soak.Params(200, 20, 10, 2048, 2, 10);
        Soak.Outcome o = Soak.run(smoke, dir.resolve("state"), progress::add);

        assertThat(o.report().connected()).as(String.join("\n", progress)).isEqualTo(200);
        assertThat(o.report().joined()).isEqualTo(200);
        assertThat(o.report().procs()).isEqualTo(2);
        assertThat(o.report().broadcasts()).hasSize(20).allSatisfy(b -> {
            assertThat(b.recipientsAcked()).as("broadcast %d", b.broadcast()).isEqualTo(200);
            assertThat(b.delivered()).as("broadcast %d", b.broadcast()).isEqualTo(200);
            assertThat(b.lost()).as("broadcast %d", b.broadcast()).isZero();
            assertThat(b.duplicated()).as("broadcast %d", b.broadcast()).isZero();
        });
        assertThat(o.exactlyOnce(200)).isTrue();
        assertThat(o.report().total().delivered()).isEqualTo(20 * 200);
        assertThat(o.report().publishedPerSecond())
                .as("never faster than asked")
                .isBetween(1.0, 10.2);
        assertThat(o.heapAfterQuiet())
                .as("the server's heap, read after 10 broadcasts")
                .isGreaterThan(1 << 20);
        assertThat(o.heapAfterRun()).isGreaterThan(1 << 20);
        assertThat(progress)
                .anyMatch(l -> l.startsWith("server heap after 10 broadcasts"))
                .anyMatch(l -> l.startsWith("server heap after 20 broadcasts"));
    }
}
