package io.securepets.http;

import io.securepets.auth.AuthenticationHandler;
import io.securepets.db.Outcome;
import io.securepets.events.SecurityEvents;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;

/** Turns a repository {@link Outcome} into the contract's response for a resource such as "Pet". */
public final class Outcomes {

  private Outcomes() {
  }

  /**
   * Runs {@code onSuccess} for an OK outcome; otherwise fails the request with 401 (the caller's
   * user is gone), 404 or 403, where {@code forbiddenMessage} is the 403 body's message.
   */
  public static <T> void handle(RoutingContext ctx, Outcome<T> outcome, String notFoundError,
      String forbiddenMessage, Consumer<T> onSuccess) {
    switch (outcome.status()) {
      case UNKNOWN_CALLER -> AuthenticationHandler.rejectUnknownUser(ctx);
      case NOT_FOUND -> ctx.fail(ApiException.notFound(notFoundError));
      case FORBIDDEN -> {
        SecurityEvents.emit(ctx, "AUTHZ_FAILED", new JsonObject().put("reason", forbiddenMessage));
        ctx.fail(ApiException.accessDenied(forbiddenMessage));
      }
      case OK -> {
        // An exception here would otherwise end in the event loop's log and leave the request unanswered.
        try {
          onSuccess.accept(outcome.value());
        } catch (RuntimeException e) {
          ctx.fail(e);
        }
      }
      default -> throw new IllegalStateException("unknown outcome " + outcome.status());
    }
  }
}
