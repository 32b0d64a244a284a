package io.securepets.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Configuration layering and the start-up checks, without a server. */
class ConfigLoaderTest {

  private static final String SECRET = "0123456789abcdef0123456789abcdef-config-test";

  @TempDir
  Path directory;

  private Path emptyFile;
  private Map<String, String> serverEnvironment;

  @BeforeEach
  void writeFiles() throws IOException {
    emptyFile = Files.writeString(directory.resolve("empty.json"), "{}");
    // The loader checks only that these files are readable, and the server parses them later.
    Path certificate = Files.writeString(directory.resolve("cert.pem"), "certificate");
    Path key = Files.writeString(directory.resolve("key.pem"), "key");
    serverEnvironment = new HashMap<>(Map.of(
        "PETS_CONFIG", emptyFile.toString(),
        "PETS_TLS_CERT", certificate.toString(),
        "PETS_TLS_KEY", key.toString(),
        "PETS_JWT_SECRET", SECRET,
        "PETS_PG_URL", "postgresql://pets:pw@db.internal:5433/pets",
        "PETS_REDIS_URL", "redis://cache.internal:6379/0"));
  }

  @Test
  void defaultsApplyWithoutSettings() {
    AppConfig config = new ConfigLoader(Map.of("PETS_CONFIG", emptyFile.toString(),
        "PETS_PG_URL", "postgresql://db.internal/pets")).loadForCommands();

    assertThat(config.environment()).isEqualTo(AppConfig.Environment.PRODUCTION);
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.httpsPort()).isEqualTo(8443);
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.publicOrigin()).isEqualTo(URI.create("https://localhost:8443"));
    assertThat(config.tlsCert()).isNull();
    assertThat(config.jwt().secret()).isNull();
    assertThat(config.jwt().issuer()).isEqualTo("secure-pets");
    assertThat(config.jwt().audience()).isEqualTo("secure-pets-api");
    assertThat(config.jwt().ttlSeconds()).isEqualTo(900);
    assertThat(config.trustedProxies()).isEmpty();
    assertThat(config.corsOrigins()).isEmpty();
    assertThat(config.instances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.maxInFlight()).isEqualTo(1024);
    assertThat(config.database().port()).isEqualTo(5432);
    assertThat(config.redis().url()).isNull();
    assertThat(config.limits().global()).isEqualTo(new AppConfig.Window(1000, 900));
    assertThat(config.limits().login()).isEqualTo(new AppConfig.Window(5, 900));
    assertThat(config.limits().createPet()).isEqualTo(new AppConfig.Window(10, 60));
    assertThat(config.limits().suspicious()).isEqualTo(new AppConfig.Window(10, 3600));
    assertThat(config.management()).isEqualTo(new AppConfig.Management("127.0.0.1", 9090));
  }

  @Test
  void fileThenEnvironmentOverride() throws IOException {
    Path file = Files.writeString(directory.resolve("config.json"), """
        {"https": {"port": 9443}, "http": {"port": 9080},
         "jwt": {"issuer": "file-issuer", "audience": "file-audience"}}""");
    serverEnvironment.put("PETS_CONFIG", file.toString());
    serverEnvironment.put("PETS_HTTP_PORT", "7080");
    serverEnvironment.put("PETS_JWT_AUDIENCE", "env-audience");

    AppConfig config = new ConfigLoader(serverEnvironment).loadForServer();

    assertThat(config.httpsPort()).as("file over default").isEqualTo(9443);
    assertThat(config.jwt().issuer()).as("file over default").isEqualTo("file-issuer");
    assertThat(config.httpPort()).as("environment over file").isEqualTo(7080);
    assertThat(config.jwt().audience()).as("environment over file").isEqualTo("env-audience");
    assertThat(config.host()).as("default").isEqualTo("0.0.0.0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"jwt.secrett", "debug", "https.portt"})
  void unknownFileKeyRejected(String path) throws IOException {
    String[] names = path.split("\\.");
    String json = names.length == 1 ? "{\"" + names[0] + "\": true}"
        : "{\"" + names[0] + "\": {\"" + names[1] + "\": true}}";
    serverEnvironment.put("PETS_CONFIG", Files.writeString(directory.resolve("unknown.json"), json).toString());

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'" + path + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\uff18", "\u0668", "1", "513", "8.0", "0x8", "8a", ""})
  void poolSizeOutsideAsciiRangeRejected(String value) {
    serverEnvironment.put("PETS_PG_POOL_SIZE", value);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_PG_POOL_SIZE is '" + value + "'");
  }

  @Test
  void missingSecretRejected() {
    serverEnvironment.remove("PETS_JWT_SECRET");

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_JWT_SECRET");
  }

  @Test
  void shortSecretRejected() {
    String secret = "x".repeat(31);
    serverEnvironment.put("PETS_JWT_SECRET", secret);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_JWT_SECRET")
        .hasMessageNotContaining(secret);
  }

  @Test
  void secretOf32BytesAccepted() {
    serverEnvironment.put("PETS_JWT_SECRET", "0123456789abcdefghijklmnopqrstuv");

    assertThat(new ConfigLoader(serverEnvironment).loadForServer().jwt().secret()).hasSize(32);
  }

  @Test
  void repetitiveSecretRejected() {
    serverEnvironment.put("PETS_JWT_SECRET", "ab".repeat(24));

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_JWT_SECRET is weak");
  }

  @Test
  void missingCertificateRejected() {
    serverEnvironment.remove("PETS_TLS_CERT");

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_TLS_CERT");
  }

  @Test
  void unreadableCertificateRejected() {
    serverEnvironment.put("PETS_TLS_CERT", directory.resolve("absent.pem").toString());

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_TLS_CERT");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "65536", "-1", "https", "8443.5", ""})
  void badHttpsPortRejected(String port) {
    serverEnvironment.put("PETS_HTTPS_PORT", port);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_HTTPS_PORT");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "many", "1000001"})
  void badMaxInFlightRejected(String value) {
    serverEnvironment.put("PETS_MAX_IN_FLIGHT", value);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_MAX_IN_FLIGHT is '" + value + "'");
  }

  @Test
  void managementFromFileAndEnvironment() throws IOException {
    Path file = Files.writeString(directory.resolve("config.json"), """
        {"management": {"host": "10.0.0.5", "port": 9191}}""");
    serverEnvironment.put("PETS_CONFIG", file.toString());
    serverEnvironment.put("PETS_MANAGEMENT_PORT", "9292");

    AppConfig config = new ConfigLoader(serverEnvironment).loadForServer();

    assertThat(config.management().host()).as("file over default").isEqualTo("10.0.0.5");
    assertThat(config.management().port()).as("environment over file").isEqualTo(9292);
  }

  @Test
  void managementPortZeroTurnsListenerOff() {
    serverEnvironment.put("PETS_MANAGEMENT_PORT", "0");

    assertThat(new ConfigLoader(serverEnvironment).loadForServer().management().enabled()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"65536", "-1", "metrics", ""})
  void badManagementPortRejected(String port) {
    serverEnvironment.put("PETS_MANAGEMENT_PORT", port);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_MANAGEMENT_PORT");
  }

  @Test
  void httpPortZeroTurnsListenerOff() {
    serverEnvironment.put("PETS_HTTP_PORT", "0");

    assertThat(new ConfigLoader(serverEnvironment).loadForServer().httpPort()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://api.example.com",
      "https://api.example.com/v1",
      "https://api.example.com?next=/",
      "https://user@api.example.com",
      "api.example.com",
      "https://"})
  void badPublicOriginRejected(String origin) {
    serverEnvironment.put("PETS_PUBLIC_ORIGIN", origin);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_PUBLIC_ORIGIN");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "https://app.example.com,*", "https://*.example.com"})
  void corsWildcardRejected(String origins) {
    serverEnvironment.put("PETS_CORS_ORIGINS", origins);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_CORS_ORIGINS");
  }

  @Test
  void exactCorsOriginsAccepted() {
    serverEnvironment.put("PETS_CORS_ORIGINS", "https://app.example.com, http://localhost:3000");

    assertThat(new ConfigLoader(serverEnvironment).loadForServer().corsOrigins())
        .containsExactly("https://app.example.com", "http://localhost:3000");
  }

  @ParameterizedTest
  @ValueSource(strings = {"xml", "JSON", "Text", ""})
  void unknownLogFormatRejected(String format) {
    serverEnvironment.put("PETS_LOG_FORMAT", format);

    assertThatThrownBy(() -> new ConfigLoader(serverEnvironment).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_LOG_FORMAT is '" + format + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"json", "text"})
  void knownLogFormatAccepted(String format) {
    serverEnvironment.put("PETS_LOG_FORMAT", format);

    assertThat(new ConfigLoader(serverEnvironment).loadForServer()).isNotNull();
  }
}
