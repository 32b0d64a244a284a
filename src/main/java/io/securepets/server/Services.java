package io.securepets.server;

import io.securepets.auth.AuthFailureMetrics;
import io.securepets.auth.AuthenticationHandler;
import io.securepets.auth.LoginHandler;
import io.securepets.auth.KeyRing;
import io.securepets.auth.LogoutHandler;
import io.securepets.auth.PasswordHasher;
import io.securepets.auth.RefreshHandler;
import io.securepets.auth.RefreshTokens;
import io.securepets.auth.TokenService;
import io.securepets.config.AppConfig;
import io.securepets.db.PgConnections;
import io.securepets.health.HealthRoutes;
import io.securepets.http.ClientAddress;
import io.securepets.pets.PetRepository;
import io.securepets.pets.PetRoutes;
import io.securepets.ratelimit.LimiterState;
import io.securepets.ratelimit.PipelinedRedis;
import io.securepets.ratelimit.RateLimitHandler;
import io.securepets.ratelimit.RateLimiter;
import io.securepets.ratelimit.Revocations;
import io.securepets.users.UserRepository;
import io.securepets.users.UserRoutes;
import io.securepets.validation.Cursors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The clients and handlers one verticle instance uses, built from the configuration. */
final class Services {

  private static final Logger LOG = LoggerFactory.getLogger(Services.class);

  private final Vertx vertx;
  private final Pool pool;
  private final SqlClient pipelined;
  private final Redis redis;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final Cursors cursors;
  private final ClientAddress clientAddress;
  private final RateLimiter limiter;
  private final RateLimitHandler limits;
  private final Revocations revocations;
  private final RefreshTokens refreshTokens;
  private final LimiterState limiterState;
  private final AuthFailureMetrics authFailures;

  /**
   * Creates the clients of verticle instance {@code instance} (0, 1, ...), whose number names its
   * Redis pool in the metrics.
   */
  Services(Vertx vertx, AppConfig config, LimiterState limiterState, KeyRing keys, AuthFailureMetrics authFailures,
      int instance) {
    this.vertx = vertx;
    // Both are shared by every verticle instance of this process, so PETS_PG_POOL_SIZE bounds the process.
    this.pool = PgConnections.pool(vertx, config.database(), true, config.processInFlight());
    this.pipelined = PgConnections.pipelined(vertx, config.database(), true, config.processInFlight());
    this.redis = new PipelinedRedis(Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(config.redis().url())
        .setMaxPoolSize(2)
        .setMaxPoolWaiting(64)
        .setMaxWaitingHandlers(8192)
        .setPoolName("securepets-redis-" + instance)));
    this.hasher = new PasswordHasher(vertx, Math.max(2, Runtime.getRuntime().availableProcessors()));
    this.tokens = new TokenService(vertx, config.jwt(), keys);
    this.cursors = new Cursors(config.jwt().secret());
    this.clientAddress = new ClientAddress(config.trustedProxies());
    this.limiterState = limiterState;
    this.authFailures = authFailures;
    this.limiter = new RateLimiter(vertx, redis, limiterState);
    this.limits = new RateLimitHandler(limiter, clientAddress);
    this.revocations = new Revocations(limiter, config.jwt().ttlSeconds());
    this.refreshTokens = new RefreshTokens(pool, config.jwt().refreshTtlSeconds());
  }

  RefreshHandler refresh() {
    return new RefreshHandler(refreshTokens, tokens, revocations);
  }

  LogoutHandler logout() {
    return new LogoutHandler(refreshTokens, revocations);
  }

  /**
   * Prepares the clients that need a round trip before the first request. A PostgreSQL connection that
   * cannot be opened does not stop the start, because requests then get 503 until PostgreSQL responds.
   */
  Future<Void> start() {
    Future<Void> database = Future.all(PgConnections.warmUp(vertx, pool), PgConnections.warmUp(vertx, pipelined))
        .<Void>mapEmpty().recover(error -> {
      LOG.atWarn()
          .addKeyValue("error", error.toString())
          .log("Opening a PostgreSQL connection at start failed, requests get 503 until it succeeds");
      return Future.succeededFuture();
    });
    return Future.all(limiter.start(), database).mapEmpty();
  }

  ClientAddress clientAddress() {
    return clientAddress;
  }

  RateLimitHandler limits() {
    return limits;
  }

  AuthFailureMetrics authFailures() {
    return authFailures;
  }

  HealthRoutes health() {
    return new HealthRoutes(pipelined, redis, limiterState);
  }

  AuthenticationHandler authentication() {
    return new AuthenticationHandler(tokens);
  }

  LoginHandler login() {
    return new LoginHandler(new UserRepository(pipelined, pool), hasher, tokens, limits, refreshTokens);
  }

  PetRoutes pets() {
    return new PetRoutes(new PetRepository(pipelined, pool), cursors);
  }

  UserRoutes users() {
    return new UserRoutes(new UserRepository(pipelined, pool));
  }

  Future<Void> close() {
    hasher.close();
    // NOTE: while PostgreSQL accepts connections but does not respond, pool.close() of vertx-pg-client
    // 5.0.7 does not complete until it responds, so a stop lasts until then or until SIGKILL.
    return Future.join(pool.close(), pipelined.close(), redis.close()).mapEmpty();
  }
}
