package io.securepets.auth;

import static io.securepets.db.PgConnections.guard;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Opaque refresh tokens in PostgreSQL: 256 random bits each, stored only as their SHA-256, rotated on
 * every use. Each login starts a family; presenting a token that was already spent revokes the whole
 * family, since only a thief or a replay can present it a second time.
 */
public final class RefreshTokens {

  private static final int TOKEN_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private static final String INSERT_FAMILY = "INSERT INTO token_families (id, user_id) VALUES ($1, $2)";

  private static final String INSERT_TOKEN = """
      INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)""";

  private static final String SPEND = """
      UPDATE refresh_tokens t SET used_at = now()
      FROM token_families f, users u
      WHERE t.token_hash = $1 AND f.id = t.family_id AND u.id = t.user_id
        AND t.used_at IS NULL AND t.expires_at > now() AND f.revoked_at IS NULL
      RETURNING t.family_id, t.user_id, u.scopes""";

  private static final String INSPECT = """
      SELECT t.family_id, t.user_id, t.used_at IS NOT NULL AS spent, t.expires_at <= now() AS expired,
             f.revoked_at IS NOT NULL AS revoked
      FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id
      WHERE t.token_hash = $1""";

  private static final String REVOKE_FAMILY = """
      UPDATE token_families SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL""";

  private final Pool pool;
  private final long ttlSeconds;

  public RefreshTokens(Pool pool, long ttlSeconds) {
    this.pool = pool;
    this.ttlSeconds = ttlSeconds;
  }

  /** A new refresh token: the text to hand out, and the family it belongs to. */
  public record Issued(String token, UUID familyId) {
  }

  /** The outcome of presenting a refresh token. */
  public record Spent(Status status, UUID familyId, UUID userId, List<String> scopes, Issued next) {

    /** Rotated (a new token in {@code next}); or rejected as unknown, expired, revoked or reused. */
    public enum Status { ROTATED, UNKNOWN, EXPIRED, REVOKED, REUSED }
  }

  /** Starts a login family for {@code userId} and returns its first refresh token. */
  public Future<Issued> startFamily(UUID userId) {
    UUID familyId = UUID.randomUUID();
    return guard(pool.withTransaction(connection -> connection.preparedQuery(INSERT_FAMILY)
        .execute(Tuple.of(familyId, userId))
        .compose(ignored -> insertToken(connection, familyId, userId))));
  }

  /**
   * Spends {@code token} and, when it was valid, issues its successor in the same family, in one
   * transaction. A token that was already spent revokes its family.
   */
  public Future<Spent> spend(String token) {
    Buffer hash = hash(token);
    return guard(pool.withTransaction(connection -> connection.preparedQuery(SPEND).execute(Tuple.of(hash))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture((Spent) null);
          }
          Row row = rows.iterator().next();
          UUID familyId = row.getUUID("family_id");
          UUID userId = row.getUUID("user_id");
          List<String> scopes = List.of(row.getArrayOfStrings("scopes"));
          return insertToken(connection, familyId, userId)
              .map(next -> new Spent(Spent.Status.ROTATED, familyId, userId, scopes, next));
        })))
        .compose(rotated -> rotated != null ? Future.succeededFuture(rotated) : explainRejection(hash));
  }

  private Future<Spent> explainRejection(Buffer hash) {
    return guard(pool.preparedQuery(INSPECT).execute(Tuple.of(hash))).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(new Spent(Spent.Status.UNKNOWN, null, null, List.of(), null));
      }
      Row row = rows.iterator().next();
      UUID familyId = row.getUUID("family_id");
      UUID userId = row.getUUID("user_id");
      if (row.getBoolean("revoked")) {
        return Future.succeededFuture(new Spent(Spent.Status.REVOKED, familyId, userId, List.of(), null));
      }
      if (row.getBoolean("spent")) {
        return revokeFamily(familyId)
            .map(ignored -> new Spent(Spent.Status.REUSED, familyId, userId, List.of(), null));
      }
      return Future.succeededFuture(new Spent(Spent.Status.EXPIRED, familyId, userId, List.of(), null));
    });
  }

  /** Revokes every refresh token of a login family. */
  public Future<Void> revokeFamily(UUID familyId) {
    return guard(pool.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(familyId))).mapEmpty();
  }

  private Future<Issued> insertToken(SqlConnection connection, UUID familyId, UUID userId) {
    byte[] random = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(random);
    String token = ENCODER.encodeToString(random);
    OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(ttlSeconds);
    return connection.preparedQuery(INSERT_TOKEN).execute(Tuple.of(hash(token), familyId, userId, expiresAt))
        .map(ignored -> new Issued(token, familyId));
  }

  private static Buffer hash(String token) {
    try {
      return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }
}
