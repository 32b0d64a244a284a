package io.securepets.server;

import io.securepets.auth.KeyRing;
import io.securepets.config.AppConfig;
import io.securepets.db.Migrations;
import io.securepets.ratelimit.LimiterState;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the service: migrations on the calling thread, then the verticle instances. */
public final class ServerLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);

  private ServerLauncher() {
  }

  /** A started service; {@link #close()} stops the listeners and closes the pools. */
  public record RunningServer(Vertx vertx) implements AutoCloseable {
    @Override
    public void close() {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /**
   * Migrates the database and deploys {@code config.instances()} verticles. Blocks the calling thread,
   * which must not be an event loop, until the listeners are bound; throws when the start fails.
   */
  public static RunningServer start(AppConfig config) {
    return start(config, null);
  }

  /**
   * Starts the service with the limiter reading {@code clockOverride} (milliseconds) in place of
   * the Redis and system clocks; only tests pass a clock, to move time across window boundaries.
   */
  public static RunningServer start(AppConfig config, LongSupplier clockOverride) {
    TransportOptions.rejectClientInitiatedRenegotiation();
    KeyRing keys = KeyRing.load(config.jwt());
    Migrations.apply(config.database());
    LimiterState limiterState = new LimiterState(config, clockOverride);
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    Future<String> deployment = vertx.deployVerticle(() -> new ApiVerticle(config, limiterState, keys),
        new DeploymentOptions().setInstances(config.instances()));
    try {
      deployment.toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      vertx.close();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("cannot listen on " + config.host() + " ports " + config.httpsPort()
          + (config.httpPort() == 0 ? "" : " and " + config.httpPort()) + ": " + cause.getMessage(), cause);
    }
    if (config.jwt().keysReloadSeconds() > 0) {
      vertx.setPeriodic(config.jwt().keysReloadSeconds() * 1000L,
          timer -> vertx.executeBlocking(keys::reload, false));
    }
    LOG.info("Serving https://{}:{} with {} verticle instances in {} mode; plain HTTP {}", config.host(),
        config.httpsPort(), config.instances(), config.environment().name().toLowerCase(java.util.Locale.ROOT),
        config.httpPort() == 0 ? "off" : "redirects from port " + config.httpPort());
    return new RunningServer(vertx);
  }
}
