package io.securepets.db;

import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.util.Set;

/** Classification of PostgreSQL errors at the repository edge, by SQLSTATE and by connection failure. */
public final class DatabaseErrors {

  /** SQLSTATE 23505. */
  public static final String UNIQUE_VIOLATION = "23505";

  /** SQLSTATE of a statement canceled by statement_timeout (or by a cancel request). */
  public static final String QUERY_CANCELED = "57014";
  /** SQLSTATE 23514. */
  public static final String CHECK_VIOLATION = "23514";

  /** SQLSTATE class 08, connection exceptions. */
  private static final String CONNECTION_EXCEPTION_CLASS = "08";
  /** SQLSTATEs 57P01 admin_shutdown, 57P02 crash_shutdown and 57P03 cannot_connect_now (starting or stopping). */
  private static final Set<String> SHUTDOWN_STATES = Set.of("57P01", "57P02", "57P03");

  /**
   * Messages of connection failures that vertx-sql-client 5.0.7 raises as a plain VertxException, because
   * they have no type of their own. They report that no pooled connection became free within the pool's
   * connection timeout, that a statement was sent to a closed or closing connection, and that statements
   * were still queued when their connection closed.
   * NOTE: a Vert.x upgrade may change these texts. Such a failure then becomes a 500 again.
   */
  private static final Set<String> POOL_FAILURE_MESSAGES = Set.of(
      "Timeout waiting for connection",
      "Connection is not active now, current status: CLOSED",
      "Connection is not active now, current status: CLOSING",
      "Pending requests failed to be sent due to connection has been closed.");

  /**
   * Message of the NoStackTraceThrowable that vertx-sql-client 5.0.7 raises when pool.getConnection() or
   * withTransaction() waits longer than the pool's connection timeout.
   */
  private static final String ACQUIRE_TIMEOUT_MESSAGE = "Timeout";

  /** Bounds the walk along getCause(), which a cyclic chain would otherwise never end. */
  private static final int MAX_CAUSES = 8;

  private DatabaseErrors() {
  }

  public static boolean is(Throwable error, String sqlState) {
    return error instanceof PgException pg && sqlState.equals(pg.getSqlState());
  }

  /**
   * Returns true when {@code error} or one of its causes, raised by a database call, shows that PostgreSQL
   * cannot serve statements at the moment: the connection was refused, timed out, failed or closed, no
   * pooled connection became free in time, the pool's wait queue is full, or the server reports a
   * connection exception or is shutting down or starting up. Errors of the statement itself, such as a
   * constraint violation, return false.
   */
  static boolean isUnavailable(Throwable error) {
    Throwable cause = error;
    for (int depth = 0; cause != null && depth < MAX_CAUSES; depth++) {
      if (isConnectionFailure(cause)) {
        return true;
      }
      cause = cause.getCause();
    }
    return false;
  }

  private static boolean isConnectionFailure(Throwable error) {
    if (error instanceof PgException pg) {
      String state = pg.getSqlState();
      return state != null && (state.startsWith(CONNECTION_EXCEPTION_CLASS) || SHUTDOWN_STATES.contains(state));
    }
    // IOException covers a refused connection (ConnectException), Netty's ConnectTimeoutException and a
    // connection reset while reading (SocketException) or writing (a plain IOException).
    if (error instanceof IOException || error instanceof ClosedConnectionException
        || error instanceof ConnectionPoolTooBusyException) {
      return true;
    }
    if (error.getClass() == VertxException.class) {
      return POOL_FAILURE_MESSAGES.contains(error.getMessage());
    }
    return error.getClass() == NoStackTraceThrowable.class && ACQUIRE_TIMEOUT_MESSAGE.equals(error.getMessage());
  }
}
