package io.securepets.validation;

import io.securepets.http.ApiException;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The {@code limit} and {@code cursor} query parameters of a list endpoint. A limit that is not an
 * integer from 1 to 100 is a 422; a cursor that {@link Cursors} did not sign is a 400.
 *
 * @param after the position after which the page starts, or null for the first page
 */
public record PageRequest(int limit, Cursors.Position after) {

  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;

  /** Parses the query of {@code ctx}; {@code listName} binds the cursor to the list that issued it. */
  public static PageRequest parse(RoutingContext ctx, Cursors cursors, String listName) {
    int limit = parseLimit(ctx.queryParam("limit"));
    List<String> cursorValues = ctx.queryParam("cursor");
    if (cursorValues.size() > 1) {
      throw ApiException.badRequest("Invalid cursor", "Send at most one cursor");
    }
    Cursors.Position after = null;
    if (!cursorValues.isEmpty()) {
      after = cursors.decode(cursorValues.get(0), listName);
      if (after == null) {
        throw ApiException.badRequest("Invalid cursor", "Use the nextCursor value of the previous page");
      }
    }
    return new PageRequest(limit, after);
  }

  private static int parseLimit(List<String> values) {
    if (values.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    String text = values.get(0);
    if (values.size() == 1 && text.matches("[0-9]{1,3}")) {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    }
    throw ApiException.validation("limit", "must be an integer from 1 to " + MAX_LIMIT);
  }

  /** Returns the creation time of the position to start after, or null on the first page. */
  public Instant afterCreatedAt() {
    return after == null ? null : after.createdAt();
  }

  public UUID afterId() {
    return after == null ? null : after.id();
  }
}
