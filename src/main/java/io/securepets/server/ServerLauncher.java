package io.securepets.server;

import io.securepets.auth.KeyRing;
import io.securepets.auth.AuthFailureMetrics;
import io.securepets.config.AppConfig;
import io.securepets.config.ConfigException;
import io.securepets.config.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import io.securepets.db.Migrations;
import io.securepets.metrics.ProcessMetrics;
import io.securepets.ratelimit.LimiterState;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the service: migrations on the calling thread, then the API verticle instances and, when
 * its port is not 0, the one management verticle.
 */
public final class ServerLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);

  private ServerLauncher() {
  }

  /** A started service; {@link #close()} stops the listeners and closes the pools. */
  public record RunningServer(Vertx vertx) implements AutoCloseable {
    @Override
    public void close() {
      vertx.close().toCompletionStage().toCompletableFuture().join();
      LOG.info("Stopped: listeners closed, requests in flight finished, pools closed");
    }
  }

  /**
   * Fails with a line naming {@code setting} when {@code port} is taken, before anything starts. The
   * listeners bind moments later, so a port taken in between still fails, with a less precise line.
   */
  private static void requireFreePort(String setting, String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new ConfigException(setting + " " + port + " on " + host + " cannot be used (" + e.getMessage()
          + "): stop the process that holds it or choose another port");
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
    TlsFiles.check(config.tlsCert(), config.tlsKey());
    requireFreePort("PETS_HTTPS_PORT", config.host(), config.httpsPort());
    if (config.httpPort() != 0) {
      requireFreePort("PETS_HTTP_PORT", config.host(), config.httpPort());
    }
    KeyRing keys = KeyRing.load(config.jwt());
    Migrations.apply(config.database());
    AppConfig.Management management = config.management();
    ProcessMetrics metrics = management.enabled() ? ProcessMetrics.prometheus() : ProcessMetrics.disabled();
    LimiterState limiterState = new LimiterState(config, clockOverride, metrics.registry());
    AuthFailureMetrics authFailures = new AuthFailureMetrics(metrics.registry());
    Vertx vertx = metrics.createVertx(new VertxOptions().setPreferNativeTransport(true), config.httpsPort());
    AtomicInteger nextInstance = new AtomicInteger();
    Future<String> deployment = vertx.deployVerticle(
        () -> new ApiVerticle(config, limiterState, keys, authFailures, nextInstance.getAndIncrement()),
        new DeploymentOptions().setInstances(config.instances()));
    if (management.enabled()) {
      deployment = deployment.compose(ignored -> vertx.deployVerticle(
          new ManagementVerticle(config, limiterState, metrics)));
    }
    try {
      deployment.toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      vertx.close();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("cannot listen on " + listeners(config) + ": " + cause.getMessage(), cause);
    }
    if (config.jwt().keysReloadSeconds() > 0) {
      vertx.setPeriodic(config.jwt().keysReloadSeconds() * 1000L,
          timer -> vertx.executeBlocking(keys::reload, false));
    }
    LOG.info("Serving https://{}:{} with {} verticle instances in {} mode; plain HTTP {}; management {}",
        config.host(), config.httpsPort(), config.instances(), config.environment().name().toLowerCase(Locale.ROOT),
        config.httpPort() == 0 ? "off" : "redirects from port " + config.httpPort(),
        management.enabled() ? "on http://" + management.host() + ":" + management.port() : "and metrics off");
    LOG.info("TLS engine {}, {} transport", TransportOptions.useOpenSsl(config.tlsEngine()) ? "BoringSSL" : "JDK",
        vertx.isNativeTransportEnabled() ? "native epoll" : "NIO");
    return new RunningServer(vertx);
  }

  /** Describes the addresses the service binds, for the error of a failed start. */
  private static String listeners(AppConfig config) {
    List<String> ports = new ArrayList<>(List.of(config.host() + ":" + config.httpsPort()));
    if (config.httpPort() != 0) {
      ports.add(config.host() + ":" + config.httpPort());
    }
    if (config.management().enabled()) {
      ports.add(config.management().host() + ":" + config.management().port());
    }
    return String.join(", ", ports);
  }
}
