package io.securepets.auth;

import io.securepets.events.SecurityEvents;
import io.securepets.http.Responses;
import io.securepets.ratelimit.Revocations;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * POST /v1/auth/logout: revokes the presented access token's jti and its whole login family at once,
 * in Redis for the access tokens and in PostgreSQL for the refresh tokens, then answers 204.
 */
public final class LogoutHandler implements Handler<RoutingContext> {

  private final RefreshTokens refreshTokens;
  private final Revocations revocations;

  public LogoutHandler(RefreshTokens refreshTokens, Revocations revocations) {
    this.refreshTokens = refreshTokens;
    this.revocations = revocations;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Caller caller = Caller.required(ctx);
    Future<Void> family = caller.familyId() == null ? Future.succeededFuture()
        : refreshTokens.revokeFamily(caller.familyId());
    Future.all(family, revocations.revokeToken(caller)).onSuccess(ignored -> {
      SecurityEvents.emit(ctx, "LOGOUT");
      Responses.noContent(ctx);
    }).onFailure(ctx::fail);
  }
}
