package io.securepets.db;

/**
 * A database call that did not complete within {@link PgConnections#STATEMENT_TIMEOUT_MS}. The statement
 * may still complete on the server afterwards. It carries no stack trace, because only the deadline
 * matters, not where the call was made.
 */
public final class StatementTimeoutException extends RuntimeException {

  public StatementTimeoutException(long timeoutMs) {
    super("PostgreSQL did not respond within " + timeoutMs + " ms", null, false, false);
  }
}
