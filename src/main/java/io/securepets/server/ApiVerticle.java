package io.securepets.server;

import io.securepets.auth.KeyRing;
import io.securepets.auth.AuthFailureMetrics;
import io.securepets.config.AppConfig;
import io.securepets.http.SecurityHeaders;
import io.securepets.ratelimit.LimiterState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
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
    RequestHeadTimeout headTimeout = new RequestHeadTimeout(vertx, config.requestHeadTimeoutSeconds());
    HttpServer https = apiServer(headTimeout);
    servers.add(https);
    Future<HttpServer> api = services.start().compose(ignored -> https.listen());
    if (config.httpPort() == 0) {
      return api;
    }
    HttpServer plain = redirectServer(headTimeout);
    servers.add(plain);
    return Future.all(api, plain.listen());
  }

  private HttpServer apiServer(RequestHeadTimeout headTimeout) {
    Router router = new ApiRouter(vertx, config, services).build();
    TransferEncodingRule transferEncodings = new TransferEncodingRule();
    // Runs before every other route. The router replaces any end handler set on the response itself.
    router.route().order(-1).handler(ctx -> {
      HttpConnection connection = ctx.request().connection();
      if (ctx.request().version() != HttpVersion.HTTP_2) {
        ctx.addEndHandler(ignored -> headTimeout.responseEnded(connection));
      }
      ctx.next();
    }).handler(transferEncodings);
    SecurityHeaders headers = new SecurityHeaders(config.contentSecurityPolicy());
    return vertx.createHttpServer(TransportOptions.https(config))
        .invalidRequestHandler(new InvalidRequestHandler(headers))
        .connectionHandler(headTimeout::connectionOpened)
        .requestHandler(request -> {
          headTimeout.requestReceived(request.connection());
          if (transferEncodings.dropsPipelined(request)) {
            return;
          }
          headers.apply(request.response());
          if (!RequestGuards.admit(request)) {
            return;
          }
          router.handle(request);
        });
  }

  private HttpServer redirectServer(RequestHeadTimeout headTimeout) {
    RedirectHandler redirect = new RedirectHandler(config.publicOrigin());
    return vertx.createHttpServer(TransportOptions.redirect(config))
        .connectionHandler(headTimeout::connectionOpened)
        .requestHandler(request -> {
          HttpConnection connection = request.connection();
          headTimeout.requestReceived(connection);
          request.response().endHandler(ignored -> headTimeout.responseEnded(connection));
          redirect.handle(request);
        });
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
