package io.securepets.auth;

import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.securepets.http.JsonBody;
import io.securepets.http.Responses;
import io.securepets.ratelimit.Revocations;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * POST /v1/auth/refresh: spends a refresh token and responds with a new access token and a new
 * refresh token. A token presented a second time revokes its whole login family, access tokens
 * included, and gets 401.
 */
public final class RefreshHandler implements Handler<RoutingContext> {

  private final RefreshTokens refreshTokens;
  private final TokenService tokens;
  private final Revocations revocations;

  public RefreshHandler(RefreshTokens refreshTokens, TokenService tokens, Revocations revocations) {
    this.refreshTokens = refreshTokens;
    this.tokens = tokens;
    this.revocations = revocations;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String presented = JsonBody.validated(ctx).getString("refreshToken");
    refreshTokens.spend(presented).compose(spent -> switch (spent.status()) {
      case ROTATED -> {
        String accessToken = tokens.issue(spent.userId(), spent.scopes(), spent.familyId());
        SecurityEvents.emit(ctx, "TOKEN_REFRESHED", new JsonObject().put("userId", spent.userId().toString()));
        yield Responses.json(ctx, 200, LoginHandler.tokenResponse(tokens, accessToken, spent.next().token()));
      }
      case REUSED -> revocations.revokeFamily(spent.userId(), spent.familyId()).compose(ignored -> {
        SecurityEvents.emit(ctx, "REFRESH_TOKEN_REUSED", new JsonObject()
            .put("userId", spent.userId().toString()).put("familyId", spent.familyId().toString()));
        return reject("Refresh token already used; every token of this login is now revoked");
      });
      case REVOKED -> reject("Refresh token revoked");
      case EXPIRED -> reject("Refresh token expired");
      case UNKNOWN -> reject("Invalid refresh token");
    }).onFailure(ctx::fail);
  }

  private static Future<Void> reject(String message) {
    return Future.failedFuture(ApiException.invalidToken(message));
  }
}
