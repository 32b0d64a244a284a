package io.securepets.users;

import static io.securepets.db.PgConnections.guard;

import io.securepets.db.DatabaseErrors;
import io.securepets.db.Outcome;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;

/** Users in PostgreSQL; a duplicate email becomes {@link DuplicateEmailException} here, never a 500. */
public final class UserRepository {

  private static final String FIND_SELF = "SELECT " + User.columns("u") + " FROM users u WHERE u.id = $1";

  private static final String FIND_OTHER = """
      SELECT c.id AS caller_id, %s
      FROM users c LEFT JOIN users t ON t.id = $2
      WHERE c.id = $1""".formatted(User.columns("t"));

  private static final String FIND_LOGIN = """
      SELECT u.id, u.password_hash, u.scopes FROM users u WHERE u.email = $1""";

  private static final String RECORD_LOGIN = "UPDATE users SET last_login_at = now() WHERE id = $1";

  private static final String INSERT = """
      INSERT INTO users AS u (email, name, role, scopes, password_hash)
      VALUES ($1, $2, $3, $4, $5)
      RETURNING %s""".formatted(User.columns("u"));

  private static final String DELETE_AS_ADMIN = """
      WITH caller AS (SELECT role FROM users WHERE id = $1),
      removed AS (
        DELETE FROM users WHERE id = $2 AND (SELECT role FROM caller) = 'admin' RETURNING id
      )
      SELECT (SELECT role FROM caller) AS caller_role,
             (SELECT id FROM removed) AS removed_id""";

  private final SqlClient reads;
  private final SqlClient writes;

  /**
   * Runs reads on {@code reads} and writes on {@code writes}. Reads never wait for a row lock, so they
   * may share pipelined connections. A write that waits for a lock would delay every statement queued
   * behind it on such a connection, so writes need connections lent to one statement at a time.
   */
  public UserRepository(SqlClient reads, SqlClient writes) {
    this.reads = reads;
    this.writes = writes;
  }

  /** The stored password hash and scopes of the account with an email, for login. */
  public record Credentials(UUID id, String passwordHash, List<String> scopes) {
  }

  public Future<Outcome<User>> findSelf(UUID callerId) {
    return guard(reads.preparedQuery(FIND_SELF).execute(Tuple.of(callerId))).map(rows -> rows.size() == 0
        ? Outcome.<User>of(Outcome.Status.UNKNOWN_CALLER)
        : Outcome.ok(User.from(rows.iterator().next(), "u")));
  }

  /** Returns another user, checking in the same statement that the caller still exists. */
  public Future<Outcome<User>> find(UUID callerId, UUID userId) {
    return guard(reads.preparedQuery(FIND_OTHER).execute(Tuple.of(callerId, userId))).map(rows -> {
      if (rows.size() == 0) {
        return Outcome.<User>of(Outcome.Status.UNKNOWN_CALLER);
      }
      Row row = rows.iterator().next();
      return row.getUUID("t_id") == null ? Outcome.<User>of(Outcome.Status.NOT_FOUND)
          : Outcome.ok(User.from(row, "t"));
    });
  }

  /** Returns the credentials for {@code email} (already lower-cased), or null when no account has it. */
  public Future<Credentials> findCredentials(String email) {
    return guard(reads.preparedQuery(FIND_LOGIN).execute(Tuple.of(email))).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new Credentials(row.getUUID("id"), row.getString("password_hash"),
          List.of(row.getArrayOfStrings("scopes")));
    });
  }

  public Future<Void> recordLogin(UUID userId) {
    return guard(writes.preparedQuery(RECORD_LOGIN).execute(Tuple.of(userId))).mapEmpty();
  }

  /** Inserts a user; fails with {@link DuplicateEmailException} when the email is taken. */
  public Future<User> create(String email, String name, String role, List<String> scopes, String passwordHash) {
    Tuple values = Tuple.of(email, name, role, scopes.toArray(String[]::new), passwordHash);
    return guard(writes.preparedQuery(INSERT).execute(values))
        .map(rows -> User.from(rows.iterator().next(), "u"))
        .recover(error -> Future.failedFuture(DatabaseErrors.is(error, DatabaseErrors.UNIQUE_VIOLATION)
            ? new DuplicateEmailException(email) : error));
  }

  /**
   * Deletes {@code userId} (and, by cascade, their pets) when the caller's stored role is admin.
   * FORBIDDEN means the caller is not an admin; the role in the token plays no part.
   */
  public Future<Outcome<Void>> deleteAsAdmin(UUID callerId, UUID userId) {
    return guard(writes.preparedQuery(DELETE_AS_ADMIN).execute(Tuple.of(callerId, userId))).map(rows -> {
      Row row = rows.iterator().next();
      String role = row.getString("caller_role");
      if (role == null) {
        return Outcome.<Void>of(Outcome.Status.UNKNOWN_CALLER);
      }
      if (!"admin".equals(role)) {
        return Outcome.<Void>of(Outcome.Status.FORBIDDEN);
      }
      return Outcome.<Void>of(row.getUUID("removed_id") == null ? Outcome.Status.NOT_FOUND : Outcome.Status.OK);
    });
  }
}
