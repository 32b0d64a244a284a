package io.securepets.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Request metrics of the API listener, fed by the Vert.x HTTP server metrics SPI: one timer per
 * route template, method and status, whose count is the request count. Vert.x Web reports each
 * matched route by its name, which for the service's routes is the path template ("/v1/pets/:id"),
 * never the request path.
 * A timer is registered on the first request of its combination and then found by array index, so
 * a request costs one small allocation, one map lookup by route name and one timer update.
 */
final class HttpRequestMetrics implements HttpServerMetrics<HttpRequestMetrics.Request, Void, Void> {

  static final String NAME = "http.server.requests";

  /** The route label of a request that no named route matched: 404s and undecodable requests. */
  static final String UNMATCHED_ROUTE = "unmatched";

  /** The route label used once {@link #MAX_ROUTES} route names are known; the service has far fewer routes. */
  static final String OTHER_ROUTE = "other";

  /** Route names come from the routers' code; the bound only guards against a router built per request. */
  static final int MAX_ROUTES = 256;

  /** Upper bounds of the latency histogram buckets. */
  static final List<Duration> LATENCY_BUCKETS = List.of(
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10));

  /**
   * Method labels by index. Vert.x accepts any method token, so every other method is labelled
   * "OTHER" rather than letting clients invent label values.
   */
  private static final List<String> METHODS = List.of(
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER");
  private static final int OTHER_METHOD = METHODS.size() - 1;

  /** Status slots: 0 for a request reset before its response ended, then 100 to 599, then any other status. */
  private static final int RESET_SLOT = 0;
  private static final int OTHER_STATUS_SLOT = 501;
  private static final int STATUS_SLOTS = 502;

  private final MeterRegistry registry;
  private final Duration[] buckets = LATENCY_BUCKETS.toArray(Duration[]::new);
  private final ConcurrentHashMap<String, RouteTimers> routes = new ConcurrentHashMap<>();
  private final RouteTimers unmatched = new RouteTimers(UNMATCHED_ROUTE);
  private final RouteTimers otherRoutes = new RouteTimers(OTHER_ROUTE);

  HttpRequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One request in flight: when it began, its method and the first route name Vert.x Web reported. */
  static final class Request {
    private final long startNanos;
    private final int method;
    private String route;

    private Request(long startNanos, int method) {
      this.startNanos = startNanos;
      this.method = method;
    }
  }

  /** The timers of one route, by method and then by status slot, each created on first use. */
  private static final class RouteTimers {
    private final String route;
    private final AtomicReferenceArray<AtomicReferenceArray<Timer>> byMethod =
        new AtomicReferenceArray<>(METHODS.size());

    private RouteTimers(String route) {
      this.route = route;
    }
  }

  @Override
  public Request requestBegin(Void socketMetric, HttpRequest request) {
    return new Request(System.nanoTime(), methodIndex(request.method()));
  }

  /** Keeps the first named route: a failure handler that runs on the same route would report it again. */
  @Override
  public void requestRouted(Request request, String route) {
    if (request.route == null && route != null) {
      request.route = route;
    }
  }

  @Override
  public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
    int status = response.statusCode();
    record(request, status >= 100 && status <= 599 ? status - 99 : OTHER_STATUS_SLOT);
  }

  @Override
  public void requestReset(Request request) {
    record(request, RESET_SLOT);
  }

  private void record(Request request, int statusSlot) {
    long elapsed = System.nanoTime() - request.startNanos;
    timer(routeTimers(request.route), request.method, statusSlot).record(elapsed, TimeUnit.NANOSECONDS);
  }

  private RouteTimers routeTimers(String route) {
    if (route == null) {
      return unmatched;
    }
    RouteTimers timers = routes.get(route);
    if (timers != null) {
      return timers;
    }
    if (routes.size() >= MAX_ROUTES) {
      return otherRoutes;
    }
    return routes.computeIfAbsent(route, RouteTimers::new);
  }

  private Timer timer(RouteTimers timers, int method, int statusSlot) {
    AtomicReferenceArray<Timer> byStatus = timers.byMethod.get(method);
    if (byStatus == null) {
      timers.byMethod.compareAndSet(method, null, new AtomicReferenceArray<>(STATUS_SLOTS));
      byStatus = timers.byMethod.get(method);
    }
    Timer timer = byStatus.get(statusSlot);
    if (timer == null) {
      // Two threads may both get here; the registry returns the same timer to both.
      timer = Timer.builder(NAME)
          .description("API requests by route template, method and status")
          .tag("route", timers.route)
          .tag("method", METHODS.get(method))
          .tag("status", statusLabel(statusSlot))
          .serviceLevelObjectives(buckets)
          .register(registry);
      byStatus.set(statusSlot, timer);
    }
    return timer;
  }

  private static String statusLabel(int statusSlot) {
    return switch (statusSlot) {
      case RESET_SLOT -> "reset";
      case OTHER_STATUS_SLOT -> "other";
      default -> Integer.toString(statusSlot + 99);
    };
  }

  static int methodIndex(HttpMethod method) {
    int index = METHODS.indexOf(method.name());
    return index < 0 ? OTHER_METHOD : index;
  }
}
