package io.securepets.db;

import io.securepets.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/** Builds the vertx-pg-client pool from the configured database. */
public final class PgConnections {

  /** Milliseconds to wait for a TCP connection to PostgreSQL, and for a free pooled connection. */
  static final int CONNECT_TIMEOUT_MS = 2000;

  private PgConnections() {
  }

  /**
   * Returns a pool of at most {@code database.poolSize()} connections that caches prepared
   * statements. With {@code shared}, every verticle of the process uses the same pool.
   */
  public static Pool pool(Vertx vertx, AppConfig.Database database, boolean shared) {
    PgConnectOptions connect = new PgConnectOptions()
        .setHost(database.host())
        .setPort(database.port())
        .setDatabase(database.database())
        .setUser(database.user())
        .setCachePreparedStatements(true)
        .setPipeliningLimit(256);
    if (database.password() != null) {
      connect.setPassword(database.password());
    }
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(database.poolSize())
        .setShared(shared)
        .setName("securepets-pg")
        .setConnectionTimeout(CONNECT_TIMEOUT_MS)
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxWaitQueueSize(4096);
    return PgBuilder.pool()
        .with(poolOptions)
        .with(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }
}
