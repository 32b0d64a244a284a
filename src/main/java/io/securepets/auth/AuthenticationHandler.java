package io.securepets.auth;

import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Requires a valid bearer token and attaches the {@link Caller}. It touches no database: the
 * statement that serves the request also confirms that the caller's user still exists.
 */
public final class AuthenticationHandler implements Handler<RoutingContext> {

  private static final String BEARER = "bearer ";

  private final TokenService tokens;

  public AuthenticationHandler(TokenService tokens) {
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    List<String> headers = ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION);
    if (headers.isEmpty()) {
      reject(ctx, ApiException.authenticationRequired(), "no credentials");
      return;
    }
    String header = headers.get(0);
    if (headers.size() > 1 || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      reject(ctx, ApiException.invalidToken("Expected one Authorization header of the form Bearer <token>"),
          "not a bearer token");
      return;
    }
    tokens.verify(header.substring(BEARER.length()).trim()).onComplete(result -> {
      if (result.succeeded()) {
        result.result().attachTo(ctx);
        ctx.next();
      } else if (result.cause() instanceof ApiException rejection) {
        reject(ctx, rejection, rejection.body().getString("message"));
      } else {
        ctx.fail(result.cause());
      }
    });
  }

  /** Rejects the request because the caller's user no longer exists; used by the data handlers. */
  public static void rejectUnknownUser(RoutingContext ctx) {
    reject(ctx, ApiException.invalidToken("User no longer exists"), "user no longer exists");
  }

  private static void reject(RoutingContext ctx, ApiException rejection, String reason) {
    SecurityEvents.emit(ctx, "AUTH_FAILED", new JsonObject().put("reason", reason));
    ctx.fail(rejection);
  }
}
