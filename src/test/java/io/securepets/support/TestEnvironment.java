package io.securepets.support;

import io.securepets.config.AppConfig;
import io.securepets.config.ConfigLoader;
import io.securepets.server.ServerLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One running service for the whole test JVM, on its own database and Redis key prefix. PostgreSQL is
 * the server at PETS_TEST_PG_URL (an admin URL, such as postgresql://postgres@127.0.0.1:5432/postgres)
 * when that is set, else an embedded one; Redis likewise with PETS_TEST_REDIS_URL. The database is
 * dropped when the JVM exits.
 */
public final class TestEnvironment {

  /** The JWT secret of the test server; tests forge tokens with it and with other keys. */
  public static final String JWT_SECRET = "test-secret-" + UUID.randomUUID() + "-0123456789";

  private static TestEnvironment instance;

  static {
    // Runs before the server or any client first uses TLS, so that TransportTest's legacy handshakes reach it.
    LegacyTlsPolicy.allowInThisJvm();
  }

  private final String adminUrl;
  private final String databaseName;
  private final Map<String, String> settings;
  private final AppConfig config;
  private final ServerLauncher.RunningServer server;
  private final Path workDir;

  private TestEnvironment() throws Exception {
    adminUrl = envOr("PETS_TEST_PG_URL", EmbeddedServices::postgresUrl);
    String redisUrl = envOr("PETS_TEST_REDIS_URL", EmbeddedServices::redisUrl);
    String runId = UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    databaseName = "pets_test_" + runId;
    try (Connection admin = jdbc(adminUrl); Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + databaseName);
    }
    workDir = Files.createTempDirectory("secure-pets-test");
    DevCertificates.Files certificate = DevCertificates.generate(workDir);
    Path emptyConfig = Files.writeString(workDir.resolve("config.json"), "{}");
    settings = new HashMap<>();
    settings.put("PETS_CONFIG", emptyConfig.toString());
    settings.put("PETS_ENV", "development");
    settings.put("PETS_HOST", "127.0.0.1");
    settings.put("PETS_HTTPS_PORT", String.valueOf(EmbeddedServices.freePort()));
    settings.put("PETS_HTTP_PORT", String.valueOf(EmbeddedServices.freePort()));
    // Off, so that servers started from a copy of these settings never race for one management port.
    settings.put("PETS_MANAGEMENT_PORT", "0");
    settings.put("PETS_PUBLIC_ORIGIN", "https://api.test.example:8443");
    settings.put("PETS_TLS_CERT", certificate.certificate().toString());
    settings.put("PETS_TLS_KEY", certificate.privateKey().toString());
    settings.put("PETS_PG_URL", replaceDatabase(adminUrl, databaseName));
    settings.put("PETS_PG_POOL_SIZE", "8");
    settings.put("PETS_REDIS_URL", redisUrl);
    settings.put("PETS_REDIS_KEY_PREFIX", "pets-test-" + runId + ":");
    settings.put("PETS_JWT_SECRET", JWT_SECRET);
    settings.put("PETS_INSTANCES", "2");
    settings.put("PETS_CORS_ORIGINS", "https://app.test.example");
    // Limits high enough that the shared server never refuses; limiter tests start servers of their own.
    for (String limit : new String[] {"PETS_LIMIT_GLOBAL", "PETS_LIMIT_LOGIN", "PETS_LIMIT_CREATE_PET",
        "PETS_SUSPICIOUS_THRESHOLD"}) {
      settings.put(limit, "1000000");
    }
    config = new ConfigLoader(settings).loadForServer();
    server = ServerLauncher.start(config);
    // Runs at JVM exit, before any embedded server that the service uses is stopped.
    EmbeddedServices.beforeStop(this::tearDown);
  }

  /** Returns the shared environment, starting it on first use. */
  public static synchronized TestEnvironment get() {
    if (instance == null) {
      try {
        instance = new TestEnvironment();
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the test environment: " + e.getMessage(), e);
      }
    }
    return instance;
  }

  public AppConfig config() {
    return config;
  }

  /** The settings the server was started with, as environment variables; copy them to start another. */
  public Map<String, String> settings() {
    return Map.copyOf(settings);
  }

  public int httpsPort() {
    return config.httpsPort();
  }

  public int httpPort() {
    return config.httpPort();
  }

  public Path certificate() {
    return config.tlsCert();
  }

  /** Opens a JDBC connection to the test database, for seeding and for checking stored rows. */
  public Connection database() throws SQLException {
    return jdbc(settings.get("PETS_PG_URL"));
  }

  private void tearDown() {
    try {
      server.close();
    } catch (RuntimeException ignored) {
      // Best effort: the database is dropped with FORCE below.
    }
    try (Connection admin = jdbc(adminUrl); Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + databaseName + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("could not drop test database " + databaseName + ": " + e.getMessage());
    }
    // The directory contains only the certificate, its private key and the empty config file.
    try (java.util.stream.Stream<Path> files = Files.list(workDir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
      Files.delete(workDir);
    } catch (java.io.IOException e) {
      System.err.println("could not delete " + workDir + ": " + e.getMessage());
    }
  }

  private static String envOr(String name, java.util.function.Supplier<String> fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback.get() : value;
  }

  /** Returns {@code url} with its database, the path after host and port, replaced by {@code database}. */
  public static String replaceDatabase(String url, String database) {
    int slash = url.indexOf('/', url.indexOf("://") + 3);
    String base = slash < 0 ? url : url.substring(0, slash);
    return base + "/" + database;
  }

  /** Opens a JDBC connection for a postgresql:// URL with optional user and password. */
  public static Connection jdbc(String url) throws SQLException {
    java.net.URI uri = java.net.URI.create(url);
    String user = "postgres";
    String password = null;
    if (uri.getUserInfo() != null) {
      String[] parts = uri.getUserInfo().split(":", 2);
      user = parts[0];
      password = parts.length > 1 ? parts[1] : null;
    }
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getPath(), user,
        password);
  }
}
