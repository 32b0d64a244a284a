package io.securepets.server;

import io.securepets.auth.KeyRing;
import io.securepets.auth.AuthFailureMetrics;
import io.securepets.config.AppConfig;
import io.securepets.http.SecurityHeaders;
import io.securepets.ratelimit.LimiterState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One event-loop verticle: the TLS API listener with the router, and the plain-HTTP redirect
 * listener. Several instances share both ports; Vert.x spreads connections across them.
 */
public final class ApiVerticle extends VerticleBase {

  private final AppConfig config;
  private final LimiterState limiterState;
  private final KeyRing keys;
  private final AuthFailureMetrics authFailures;
  private final int instance;
  private Services services;
  private final List<HttpServer> servers = new ArrayList<>();

  /**
   * Creates instance number {@code instance}; {@code limiterState}, {@code keys} and
   * {@code authFailures} are shared by every instance of the process.
   */
  public ApiVerticle(AppConfig config, LimiterState limiterState, KeyRing keys, AuthFailureMetrics authFailures,
      int instance) {
    this.config = config;
    this.limiterState = limiterState;
    this.keys = keys;
    this.authFailures = authFailures;
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    services = new Services(vertx, config, limiterState, keys, authFailures, instance);
    Router router = new ApiRouter(vertx, config, services).build();
    SecurityHeaders headers = new SecurityHeaders(config.contentSecurityPolicy());
    HttpServer https = vertx.createHttpServer(TransportOptions.https(config))
        .invalidRequestHandler(new InvalidRequestHandler(headers))
        .requestHandler(request -> {
          headers.apply(request.response());
          if (!RequestGuards.admit(request)) {
            return;
          }
          router.handle(request);
        });
    servers.add(https);
    Future<HttpServer> api = services.start().compose(ignored -> https.listen());
    if (config.httpPort() == 0) {
      return api;
    }
    HttpServer plain = vertx.createHttpServer(TransportOptions.redirect(config))
        .requestHandler(new RedirectHandler(config.publicOrigin()));
    servers.add(plain);
    return Future.all(api, plain.listen());
  }

  /**
   * Stops accepting connections, lets requests in flight finish for up to the grace period, then
   * closes the pools.
   */
  @Override
  public Future<?> stop() {
    List<Future<Void>> shutdowns = new ArrayList<>();
    servers.forEach(server -> shutdowns.add(server.shutdown(config.shutdownGraceSeconds(), TimeUnit.SECONDS)));
    return Future.join(shutdowns).eventually(() -> services == null ? Future.succeededFuture() : services.close());
  }
}
