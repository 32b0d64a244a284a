package io.securepets.db;

import io.securepets.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Builds the vertx-pg-client pool from the configured database. */
public final class PgConnections {

  /**
   * Milliseconds to wait for the TCP connection to PostgreSQL. It is shorter than
   * {@link #POOL_CONNECTION_TIMEOUT_MS}, so that an unreachable host fails a request with a connect
   * timeout, and the next waiting request makes a new attempt, before the request's own time runs out.
   */
  static final int CONNECT_TIMEOUT_MS = 500;

  /**
   * Milliseconds a statement waits for a pooled connection, including opening a new one, before it fails.
   * The failure handler then responds 503, so a caller gets that response in less than a second while
   * PostgreSQL is unreachable or every connection is busy.
   */
  static final int POOL_CONNECTION_TIMEOUT_MS = 800;

  /**
   * Statements that may wait for a connection, per pooled connection, unless the process lets in more
   * requests at once. A statement beyond the limit fails at once with 503 instead of waiting out the
   * timeout. 64 waiting statements per connection drain within
   * the timeout when statements take less than about 12 ms each (an estimate from 800 ms / 64).
   */
  static final int MAX_WAITING_PER_CONNECTION = 64;

  /**
   * Milliseconds a database call may take in all, including the wait for a pooled connection. Without it,
   * a request whose statement went to a PostgreSQL server that stopped responding (a frozen server or a
   * network path that drops packets) would wait without end.
   */
  public static final long STATEMENT_TIMEOUT_MS = 2000;

  /** Maximum milliseconds that {@link #warmUp} keeps trying to open the first connection. */
  static final long WARM_UP_TIMEOUT_MS = 10_000;

  private static final long WARM_UP_RETRY_MS = 100;

  /** Statements one pipelined connection carries at once. */
  static final int PIPELINING_LIMIT = 256;

  /** Pool names, as the metrics label them. */
  public static final String LENDING_POOL = "securepets-pg";
  public static final String PIPELINED_POOL = "securepets-pg-pipelined";

  private PgConnections() {
  }

  /**
   * Returns {@code call}, failed with {@link DatabaseUnavailableException} when it does not complete within
   * {@link #STATEMENT_TIMEOUT_MS} or fails because PostgreSQL is unavailable. Other failures, such as a
   * constraint violation, pass unchanged. After a timeout the connection stays busy until the server
   * responds or the connection closes, and the statement may still complete on the server.
   */
  public static <T> Future<T> guard(Future<T> call) {
    return call.timeout(STATEMENT_TIMEOUT_MS, TimeUnit.MILLISECONDS).recover(error -> {
      if (error instanceof TimeoutException) {
        return Future.failedFuture(new DatabaseUnavailableException(
            "PostgreSQL did not respond within " + STATEMENT_TIMEOUT_MS + " ms", null));
      }
      if (error instanceof PgException pg && DatabaseErrors.QUERY_CANCELED.equals(pg.getSqlState())) {
        return Future.failedFuture(new DatabaseUnavailableException(
            "PostgreSQL canceled the statement after its " + STATEMENT_TIMEOUT_MS + " ms statement_timeout", error));
      }
      return Future.failedFuture(DatabaseErrors.isUnavailable(error)
          ? new DatabaseUnavailableException(error.toString(), error) : error);
    });
  }

  /**
   * Opens the pool's first connection before any request needs it, retrying every 100 ms for up to
   * {@link #WARM_UP_TIMEOUT_MS}. In a new JVM on a busy machine, loading the client's classes and opening
   * the first connection can take longer than {@link #POOL_CONNECTION_TIMEOUT_MS}, which would fail the
   * first requests with 503. A query that gives up leaves its connection attempt running, so a later one
   * finds the connection. The future fails with the last error when no query succeeded in time.
   */
  public static Future<Void> warmUp(Vertx vertx, SqlClient pool) {
    return warmUp(vertx, pool, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WARM_UP_TIMEOUT_MS));
  }

  private static Future<Void> warmUp(Vertx vertx, SqlClient pool, long deadlineNanos) {
    return pool.query("SELECT 1").execute().<Void>mapEmpty().recover(error -> {
      if (!DatabaseErrors.isUnavailable(error) || System.nanoTime() > deadlineNanos) {
        return Future.failedFuture(error);
      }
      return vertx.timer(WARM_UP_RETRY_MS, TimeUnit.MILLISECONDS)
          .compose(ignored -> warmUp(vertx, pool, deadlineNanos));
    });
  }

  /**
   * Connections of the process that carry pipelined reads: a quarter of {@code PETS_PG_POOL_SIZE}, at
   * least one. Pipelined statements share a connection, so a few carry the reads of many requests.
   */
  public static int pipelinedConnections(AppConfig.Database database) {
    return Math.max(1, database.poolSize() / 4);
  }

  /**
   * Connections of the process lent to one caller at a time: writes, transactions (refresh-token
   * rotation) and the {@code users} command. The rest of {@code PETS_PG_POOL_SIZE}.
   */
  public static int lendingConnections(AppConfig.Database database) {
    return Math.max(1, database.poolSize() - pipelinedConnections(database));
  }

  /**
   * Returns a pool of {@link #lendingConnections} connections that lends each connection to one
   * caller at a time, as transactions and statements that may wait for a row lock need. With
   * {@code shared}, every verticle of the process uses the same pool.
   */
  public static Pool pool(Vertx vertx, AppConfig.Database database, boolean shared) {
    return pool(vertx, database, shared, 0);
  }

  /**
   * Returns the pool of {@link #pool(Vertx, AppConfig.Database, boolean)}, whose wait queue also
   * admits {@code requestsInFlight} statements, the most a process lets in at once. The in-flight
   * limit then sheds excess load, and the queue rejects statements only beyond what it lets in.
   */
  public static Pool pool(Vertx vertx, AppConfig.Database database, boolean shared, int requestsInFlight) {
    int size = lendingConnections(database);
    return PgBuilder.pool()
        .with(poolOptions(size, waitingLimit(size, requestsInFlight), shared, LENDING_POOL))
        .with(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS))
        .connectingTo(connectOptions(database))
        .using(vertx)
        .build();
  }

  /**
   * Returns a client of {@link #pipelinedConnections} connections, each carrying up to
   * {@value #PIPELINING_LIMIT} statements at once: concurrent statements leave in one write and
   * PostgreSQL reads them together, where a lending pool would send one statement per connection
   * and wait for its reply. A slow statement delays those queued behind it on its connection, so
   * this client serves only reads, which never wait for a row lock. With
   * {@code shared}, every verticle of the process uses the same connections.
   */
  public static SqlClient pipelined(Vertx vertx, AppConfig.Database database, boolean shared,
      int requestsInFlight) {
    int size = pipelinedConnections(database);
    return PgBuilder.client()
        .with(poolOptions(size, waitingLimit(size, requestsInFlight), shared, PIPELINED_POOL))
        .with(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS))
        .connectingTo(connectOptions(database))
        .using(vertx)
        .build();
  }

  private static PgConnectOptions connectOptions(AppConfig.Database database) {
    PgConnectOptions connect = new PgConnectOptions()
        .setHost(database.host())
        .setPort(database.port())
        .setDatabase(database.database())
        .setUser(database.user())
        .setCachePreparedStatements(true)
        .setPipeliningLimit(PIPELINING_LIMIT)
        // PostgreSQL cancels a statement that runs longer than the service waits for it. Without this, a
        // statement that waits for a row lock would keep its connection after the caller got a 503.
        .addProperty("statement_timeout", Long.toString(STATEMENT_TIMEOUT_MS));
    if (database.password() != null) {
      connect.setPassword(database.password());
    }
    return connect;
  }

  private static int waitingLimit(int connections, int requestsInFlight) {
    return Math.max(MAX_WAITING_PER_CONNECTION * connections, requestsInFlight);
  }

  private static PoolOptions poolOptions(int size, int waitingLimit, boolean shared, String name) {
    return new PoolOptions()
        .setMaxSize(size)
        .setShared(shared)
        .setName(name)
        .setConnectionTimeout(POOL_CONNECTION_TIMEOUT_MS)
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxWaitQueueSize(waitingLimit);
  }
}
