package io.securepets.auth;

import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.securepets.http.JsonBody;
import io.securepets.http.Responses;
import io.securepets.ratelimit.RateLimitHandler;
import io.securepets.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * POST /v1/auth/login: checks the password on the hashing pool and issues an access token and the
 * first refresh token of a new login family. A wrong email and a wrong password give the same 401
 * and cost the same hashing time.
 */
public final class LoginHandler implements Handler<RoutingContext> {

  private final UserRepository users;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final RateLimitHandler limits;
  private final RefreshTokens refreshTokens;

  public LoginHandler(UserRepository users, PasswordHasher hasher, TokenService tokens, RateLimitHandler limits,
      RefreshTokens refreshTokens) {
    this.users = users;
    this.hasher = hasher;
    this.tokens = tokens;
    this.limits = limits;
    this.refreshTokens = refreshTokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBody.validated(ctx);
    String email = body.getString("email").strip().toLowerCase(Locale.ROOT);
    String password = body.getString("password");
    // PostgreSQL text cannot contain NUL, so no account has such an email and the query would fail.
    Future<UserRepository.Credentials> lookup = email.indexOf('\u0000') >= 0
        ? Future.succeededFuture(null) : users.findCredentials(email);
    lookup
        .compose(account -> hasher.matches(password, account == null ? null : account.passwordHash())
            .compose(matches -> matches ? succeed(ctx, account) : fail(ctx)))
        .onFailure(ctx::fail);
  }

  private Future<Void> succeed(RoutingContext ctx, UserRepository.Credentials account) {
    return Future.all(refreshTokens.startFamily(account.id()), users.recordLogin(account.id()),
        limits.releaseLoginAttempt(ctx)).compose(results -> {
          RefreshTokens.Issued refresh = results.resultAt(0);
          String token = tokens.issue(account.id(), account.scopes(), refresh.familyId());
          SecurityEvents.emit(ctx, "LOGIN_SUCCEEDED", new JsonObject().put("userId", account.id().toString()));
          return Responses.json(ctx, 200, tokenResponse(tokens, token, refresh.token()));
        });
  }

  /** Returns the body of a successful login or refresh. */
  static JsonObject tokenResponse(TokenService tokens, String accessToken, String refreshToken) {
    return new JsonObject()
        .put("accessToken", accessToken)
        .put("tokenType", "Bearer")
        .put("expiresIn", tokens.ttlSeconds())
        .put("refreshToken", refreshToken);
  }

  private static Future<Void> fail(RoutingContext ctx) {
    SecurityEvents.emit(ctx, "LOGIN_FAILED", new JsonObject().put("reason", "invalid credentials"));
    return Future.failedFuture(ApiException.invalidCredentials());
  }
}
