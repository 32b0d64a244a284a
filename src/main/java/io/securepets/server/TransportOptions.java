package io.securepets.server;

import io.securepets.config.AppConfig;
import io.securepets.config.ConfigException;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Options of the two listeners: the TLS-only API listener and the plain-HTTP redirect listener. */
final class TransportOptions {

  /** TLS 1.3 suites (all AEAD) and TLS 1.2 suites with ECDHE and AES-GCM or ChaCha20-Poly1305 only. */
  static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private TransportOptions() {
  }

  /**
   * Makes the JDK's TLS engine reject a renegotiation that the client starts. In TLS 1.2 such a
   * renegotiation makes the server repeat its expensive handshake work on an open connection, as
   * often as the client requests (TLS 1.3 has no renegotiation). JSSE reads this property once, when the
   * JVM's first server-side handshake runs, so it must be set before any listener starts.
   */
  static void rejectClientInitiatedRenegotiation() {
    System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
  }

  static HttpServerOptions https(AppConfig config) {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.httpsPort())
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertPath(config.tlsCert().toString())
            .setKeyPath(config.tlsKey().toString()))
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(10)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(100).setMaxHeaderListSize(16 * 1024))
        .setIdleTimeout(config.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // No route accepts WebSockets; without these Vert.x adds a WebSocket extension handler that
        // every HTTP/1.1 request and response passes through.
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setMaxHeaderSize(16 * 1024);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    if (useOpenSsl(config.tlsEngine())) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    return options;
  }

  /**
   * Returns whether the BoringSSL engine of netty-tcnative serves TLS. It handshakes and encrypts
   * with less CPU than the JDK's engine; AUTO uses it whenever its native library loads.
   */
  static boolean useOpenSsl(AppConfig.TlsEngine engine) {
    return switch (engine) {
      case JDK -> false;
      case AUTO -> OpenSSLEngineOptions.isAvailable();
      case OPENSSL -> {
        if (!OpenSSLEngineOptions.isAvailable()) {
          throw new ConfigException("PETS_TLS_ENGINE is openssl, but netty-tcnative's BoringSSL library "
              + "does not load on this platform: use auto or jdk");
        }
        yield true;
      }
    };
  }

  static HttpServerOptions redirect(AppConfig config) {
    return new HttpServerOptions()
        .setHttp2ClearTextEnabled(false)
        .setHost(config.host())
        .setPort(config.httpPort())
        .setIdleTimeout(config.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxHeaderSize(16 * 1024);
  }
}
