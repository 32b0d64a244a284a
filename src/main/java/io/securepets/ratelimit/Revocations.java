package io.securepets.ratelimit;

import io.securepets.auth.Caller;
import io.securepets.auth.TokenService;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Revoked access tokens and login families, kept in Redis beside the client's limiter keys so that
 * the limiter's one round trip per request also checks them. A revocation lives as long as an access
 * token it covers could still be accepted.
 */
public final class Revocations {

  private final RateLimiter limiter;
  private final long accessTokenTtlMs;

  public Revocations(RateLimiter limiter, int accessTokenTtlSeconds) {
    this.limiter = limiter;
    this.accessTokenTtlMs = (accessTokenTtlSeconds + TokenService.LEEWAY_SECONDS) * 1000L;
  }

  /** Returns the revocation names that would reject {@code caller}'s token: its jti and its family. */
  static List<String> namesFor(Caller caller) {
    List<String> names = new ArrayList<>(2);
    if (caller.tokenId() != null) {
      names.add(tokenName(caller.tokenId()));
    }
    if (caller.familyId() != null) {
      names.add(familyName(caller.familyId()));
    }
    return names;
  }

  /** Revokes the caller's access token and every token of its login family. */
  public Future<Void> revokeToken(Caller caller) {
    long tokenTtlMs = (caller.expiresAt() + TokenService.LEEWAY_SECONDS) * 1000L - System.currentTimeMillis();
    List<Future<Void>> revocations = new ArrayList<>();
    if (caller.tokenId() != null) {
      revocations.add(limiter.revoke("u:" + caller.userId(), List.of(tokenName(caller.tokenId())),
          Math.max(1, tokenTtlMs)));
    }
    if (caller.familyId() != null) {
      revocations.add(revokeFamily(caller.userId(), caller.familyId()));
    }
    return Future.all(revocations).mapEmpty();
  }

  /** Revokes every access token of a login family. */
  public Future<Void> revokeFamily(UUID userId, UUID familyId) {
    return limiter.revoke("u:" + userId, List.of(familyName(familyId)), accessTokenTtlMs);
  }

  private static String tokenName(String tokenId) {
    return "revoked-jti:" + tokenId;
  }

  private static String familyName(UUID familyId) {
    return "revoked-family:" + familyId;
  }
}
