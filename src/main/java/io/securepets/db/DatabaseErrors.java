package io.securepets.db;

import io.vertx.pgclient.PgException;

/** Translation of PostgreSQL errors by SQLSTATE, at the repository edge. */
public final class DatabaseErrors {

  /** SQLSTATE 23505. */
  public static final String UNIQUE_VIOLATION = "23505";
  /** SQLSTATE 23514. */
  public static final String CHECK_VIOLATION = "23514";

  private DatabaseErrors() {
  }

  public static boolean is(Throwable error, String sqlState) {
    return error instanceof PgException pg && sqlState.equals(pg.getSqlState());
  }
}
