package io.securepets.config;

import io.securepets.net.IpAddresses;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The service's configuration, read and checked once at start by {@link ConfigLoader}.
 *
 * @param instances HTTP verticle instances in this process, already resolved from 0 to the core count
 * @param maxInFlight requests one verticle instance serves at a time; more get 503 at once
 * @param httpPort plain-HTTP redirect listener port, 0 when that listener is off
 * @param shutdownGraceSeconds how long requests in flight may run on after a stop is requested
 * @param management the plain-HTTP listener for metrics and health probes
 * @param idleTimeoutSeconds how long a connection may send and receive nothing before it is closed
 * @param requestHeadTimeoutSeconds how long a client may take to send a request line and headers
 */
public record AppConfig(
    Environment environment,
    String host,
    int httpsPort,
    int httpPort,
    URI publicOrigin,
    Path tlsCert,
    Path tlsKey,
    TlsEngine tlsEngine,
    Database database,
    Redis redis,
    Jwt jwt,
    List<IpAddresses.Cidr> trustedProxies,
    int instances,
    int maxInFlight,
    List<String> corsOrigins,
    String contentSecurityPolicy,
    Limits limits,
    int shutdownGraceSeconds,
    Management management,
    int idleTimeoutSeconds,
    int requestHeadTimeoutSeconds) {

  /** Returns the most requests the process serves at once: the in-flight limit of every verticle instance. */
  public int processInFlight() {
    return maxInFlight * instances;
  }

  /** TLS implementation: BoringSSL through netty-tcnative when it loads ({@code AUTO}), or forced. */
  public enum TlsEngine { AUTO, OPENSSL, JDK }

  /** Deployment mode, reported in logs; development mode changes nothing in the request chain. */
  public enum Environment { PRODUCTION, DEVELOPMENT }

  /** PostgreSQL connection settings parsed from {@code PETS_PG_URL}. */
  public record Database(String url, String host, int port, String database, String user, String password,
      int poolSize) {

    /** Returns the JDBC form of the URL, used only by the migration tool at start. */
    public String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
  }

  /** Redis connection string and the prefix of every key this service writes. */
  public record Redis(String url, String keyPrefix) {
  }

  /**
   * Token settings: the HS256 key bytes, the required issuer and audience, the lifetime of issued
   * access tokens and of refresh tokens, the accepted algorithms, the files of the asymmetric
   * verification keys (PEM public keys, or JWKS files ending in .json), the private PEM key that
   * signs login tokens (null to sign with HS256), and how often the key files are read again.
   */
  public record Jwt(byte[] secret, String issuer, String audience, int ttlSeconds, int refreshTtlSeconds,
      List<String> algorithms, List<Path> publicKeys, Path signingKey, int keysReloadSeconds) {

    /** Returns true when {@code algorithm} is in the allowlist. */
    public boolean allows(String algorithm) {
      return algorithms.contains(algorithm);
    }
  }

  /** Request limits per sliding window, and the suspicious-activity threshold. */
  public record Limits(Window global, Window login, Window createPet, Window suspicious) {
  }

  /** At most {@code requests} events per {@code windowSeconds}. */
  public record Window(int requests, int windowSeconds) {
  }

  /** Bind address and port of the management listener; port 0 turns the listener and all metrics off. */
  public record Management(String host, int port) {

    public boolean enabled() {
      return port != 0;
    }
  }

  public boolean isDevelopment() {
    return environment == Environment.DEVELOPMENT;
  }
}
