package io.securepets.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.securepets.config.AppConfig;
import io.securepets.db.PgConnections;
import io.securepets.health.HealthRoutes;
import io.securepets.http.Responses;
import io.securepets.metrics.ProcessMetrics;
import io.securepets.ratelimit.LimiterState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.SqlClient;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management listener, deployed once per process: plain HTTP on the management address with
 * GET /metrics in the Prometheus text format and the two health probes of the API listener. Every
 * other request gets 404. Its default address is loopback because it has no TLS and no
 * authentication.
 */
final class ManagementVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ManagementVerticle.class);

  /** The content type of the Prometheus text exposition format 0.0.4. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private static final Buffer NOT_FOUND = new JsonObject().put("error", "Not found").toBuffer();

  private final AppConfig config;
  private final LimiterState limiterState;
  private final ProcessMetrics metrics;
  private SqlClient pool;
  private Redis redis;
  private HttpServer server;

  ManagementVerticle(AppConfig config, LimiterState limiterState, ProcessMetrics metrics) {
    this.config = config;
    this.limiterState = limiterState;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    // The same shared pipelined client as the API verticles, so a pile-up of writes waiting for a row
    // lock on the lending pool cannot make the readiness probe report PostgreSQL down.
    pool = PgConnections.pipelined(vertx, config.database(), true, config.processInFlight());
    redis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(config.redis().url())
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(64)
        .setPoolName("securepets-redis-management"));
    HealthRoutes health = new HealthRoutes(pool, redis, limiterState);
    Router router = Router.router(vertx);
    router.get("/metrics").handler(this::scrape);
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    router.route().handler(ctx -> Responses.json(ctx.response(), 404, NOT_FOUND));
    router.route().failureHandler(ManagementVerticle::failed);
    server = vertx.createHttpServer(new HttpServerOptions()
            .setHost(config.management().host())
            .setPort(config.management().port())
            .setIdleTimeout(config.idleTimeoutSeconds())
            .setIdleTimeoutUnit(TimeUnit.SECONDS))
        .requestHandler(router);
    return server.listen();
  }

  /**
   * Writes the scrape, built on a worker thread so that formatting every meter does not hold up an
   * event loop that also serves API requests.
   */
  private void scrape(RoutingContext ctx) {
    vertx.executeBlocking(metrics::scrape, false).onComplete(result -> {
      if (result.failed()) {
        ctx.fail(result.cause());
        return;
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(result.result());
    });
  }

  private static void failed(RoutingContext ctx) {
    int status = ctx.statusCode() >= 400 && ctx.statusCode() < 500 ? ctx.statusCode() : 500;
    if (status == 500) {
      LOG.error("Management request failed: method={} path={}", ctx.request().method(), ctx.request().path(),
          ctx.failure());
    }
    String error = status == 500 ? "Internal server error" : HttpResponseStatus.valueOf(status).reasonPhrase();
    Responses.json(ctx, status, new JsonObject().put("error", error));
  }

  /** Stops accepting connections, lets scrapes and probes in flight finish, then closes the clients. */
  @Override
  public Future<?> stop() {
    return server.shutdown(config.shutdownGraceSeconds(), TimeUnit.SECONDS)
        .eventually(() -> Future.join(pool.close(), redis.close()));
  }
}
