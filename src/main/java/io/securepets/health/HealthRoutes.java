package io.securepets.health;

import io.securepets.http.Responses;
import io.securepets.ratelimit.LimiterState;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.SqlClient;
import java.util.concurrent.TimeUnit;

/** GET /health/live (the process responds) and GET /health/ready (PostgreSQL and Redis respond). */
public final class HealthRoutes {

  /** How long each dependency may take to respond to a readiness probe, in milliseconds. */
  static final long CHECK_TIMEOUT_MS = 2000;

  private static final Buffer LIVE = new JsonObject().put("status", "UP").toBuffer();

  private final SqlClient pool;
  private final Redis redis;
  private final LimiterState limiter;

  public HealthRoutes(SqlClient pool, Redis redis, LimiterState limiter) {
    this.pool = pool;
    this.redis = redis;
    this.limiter = limiter;
  }

  public void live(RoutingContext ctx) {
    Responses.json(ctx.response(), 200, LIVE);
  }

  /**
   * Returns 200 when both dependencies respond in time, else 503 naming each failed one. The limiter
   * field says whether limits are shared through Redis or, while it is unreachable, kept per process.
   */
  public void ready(RoutingContext ctx) {
    Future<String> postgres = status(pool.query("SELECT 1").execute().mapEmpty());
    Future<String> redisStatus = status(redis.send(Request.cmd(Command.PING)).mapEmpty());
    Future.join(postgres, redisStatus).onComplete(ignored -> {
      boolean up = "UP".equals(postgres.result()) && "UP".equals(redisStatus.result());
      JsonObject body = new JsonObject()
          .put("status", up ? "UP" : "DOWN")
          .put("checks", new JsonObject().put("postgres", postgres.result()).put("redis", redisStatus.result()))
          .put("limiter", limiter.isDegraded() || !"UP".equals(redisStatus.result()) ? "DEGRADED" : "SHARED");
      Responses.json(ctx, up ? 200 : 503, body);
    });
  }

  private static Future<String> status(Future<Object> check) {
    return check.timeout(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS).map(ignored -> "UP").otherwise("DOWN");
  }
}
