package dev.wsctl.store;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Pages read from a store one at a time, only as the caller advances: what both stores hand out from
 * {@link ConnectionStore#subscriberPages}. Empty pages are skipped.
 */
public abstract class LazyPages<T> implements Iterator<List<T>> {
    private List<T> ready;
    private boolean exhausted;

    /** Reads the next page; returns null when there are no more. */
    protected abstract List<T> fetchNext();

    @Override
    public final boolean hasNext() {
        while (ready == null && !exhausted) {
            List<T> page = fetchNext();
            if (page == null) {
                exhausted = true;
            } else if (!page.isEmpty()) {
                ready = page;
            }
        }
        return ready != null;
    }

    @Override
    public final List<T> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        List<T> page = ready;
        ready = null;
        return page;
    }
}
