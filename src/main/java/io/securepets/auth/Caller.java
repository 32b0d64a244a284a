package io.securepets.auth;

import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller, taken from a verified token. Whether the user still exists and which
 * role it has are read from the database by the statement that serves the request.
 *
 * @param tokenId the token's {@code jti}, or null when it has none
 * @param familyId the login the token belongs to ({@code fam} claim), or null for a token without one
 * @param expiresAt the token's {@code exp}, in seconds since the epoch
 */
public record Caller(UUID userId, Set<String> scopes, String tokenId, UUID familyId, long expiresAt) {

  private static final String KEY = "securepets.caller";

  public static Caller of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  /** Returns the caller of an endpoint that ran {@link AuthenticationHandler}, which guarantees one. */
  public static Caller required(RoutingContext ctx) {
    Caller caller = ctx.get(KEY);
    if (caller == null) {
      throw new IllegalStateException("route is missing the authentication handler");
    }
    return caller;
  }

  void attachTo(RoutingContext ctx) {
    ctx.put(KEY, this);
  }

  public boolean hasScope(String scope) {
    return scopes.contains(scope);
  }
}
