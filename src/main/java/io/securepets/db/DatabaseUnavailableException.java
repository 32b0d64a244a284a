package io.securepets.db;

/**
 * A database call that failed because PostgreSQL cannot serve statements at the moment: it refused or
 * dropped the connection, no pooled connection became free in time, or it did not respond within
 * {@link PgConnections#STATEMENT_TIMEOUT_MS}. The cause, when present, is the client's own failure.
 * It carries no stack trace of its own, because an outage fails every request in the same way.
 */
public final class DatabaseUnavailableException extends RuntimeException {

  DatabaseUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
