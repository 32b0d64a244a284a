package io.securepets.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.EnumSet;
import java.util.UUID;

/**
 * The process's Micrometer registry and the Vert.x metrics that feed it: API requests by route
 * template, method and status ({@link HttpRequestMetrics}), and through vertx-micrometer-metrics the
 * PostgreSQL, Redis and worker pools and the JVM. The disabled form, used when
 * the management listener is off, hands out meters that record nothing and leaves Vert.x without
 * a metrics SPI, so the request path pays nothing.
 */
public final class ProcessMetrics {

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;

  private ProcessMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
  }

  /** Creates metrics kept in a Prometheus registry. */
  public static ProcessMetrics prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return new ProcessMetrics(registry, registry);
  }

  /** Returns metrics that record nothing, for a process without a management listener. */
  public static ProcessMetrics disabled() {
    return new ProcessMetrics(new CompositeMeterRegistry(), null);
  }

  /** Returns the registry for the service's own meters, whose meters record nothing when metrics are disabled. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Returns every meter in the Prometheus text format; only call it on {@link #prometheus()} metrics. */
  public String scrape() {
    return prometheus.scrape();
  }

  /**
   * Creates the Vert.x instance, reporting into this registry when metrics are enabled. Only the
   * TLS HTTP server on {@code apiPort} has request metrics; the redirect and management listeners
   * have none.
   */
  public Vertx createVertx(VertxOptions options, int apiPort) {
    if (prometheus == null) {
      return Vertx.vertx(options);
    }
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // vertx-micrometer-metrics keeps registries in a static map by this name, so each process
        // start (several share one JVM in the tests) needs a name of its own.
        .setRegistryName("securepets-" + UUID.randomUUID())
        .setLabels(EnumSet.of(Label.POOL_TYPE, Label.POOL_NAME))
        .setJvmMetricsEnabled(true)
        // HTTP_SERVER is measured by HttpRequestMetrics. The pool metrics time every PostgreSQL
        // query and Redis command from connection checkout to release, so the per-command client
        // timers ("sql", "redis") and the byte counters of NET_CLIENT would add cost to each
        // request and little else. The service uses none of the other categories.
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory("sql")
        .addDisabledMetricsCategory("redis")
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
        .addDisabledMetricsCategory(MetricsDomain.VERTICLES);
    HttpRequestMetrics apiRequests = new HttpRequestMetrics(prometheus);
    MicrometerMetricsFactory micrometer = new MicrometerMetricsFactory(prometheus);
    return Vertx.builder()
        .with(new VertxOptions(options).setMetricsOptions(metricsOptions))
        .withMetrics(vertxOptions -> new ServiceVertxMetrics(micrometer.metrics(vertxOptions), apiRequests, apiPort))
        .build();
  }
}
