package dev.wsctl.deploy;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/** Walks a paginated AWS listing ({@code nextToken}) until an item matches. */
final class Listings {
    private Listings() {}

    /**
     * @param page  fetches the page after the given token (null for the first)
     * @param items a page's items
     * @param next  a page's next token, null on the last page
     */
    static <P, T> Optional<T> find(
            Function<String, P> page, Function<P, List<T>> items, Function<P, String> next, Predicate<T> match) {
        String token = null;
        do {
            P current = page.apply(token);
            for (T item : items.apply(current)) {
                if (match.test(item)) {
                    return Optional.of(item);
                }
            }
            token = next.apply(current);
        } while (token != null);
        return Optional.empty();
    }
}
