package io.securepets.dev;

import io.securepets.auth.PasswordHasher;
import io.securepets.config.AppConfig;
import io.securepets.config.ConfigLoader;
import io.securepets.server.ServerLauncher;
import io.securepets.support.ApiClient;
import io.securepets.support.DevCertificates;
import io.securepets.support.EmbeddedServices;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Development mode: the real service on embedded PostgreSQL and Redis, with a self-signed certificate,
 * demo users and demo pets, on a machine that has only a JDK and Maven. Run it with {@code mvn -Pdev}.
 * It lives in the test sources so that the embedded binaries never reach the production jar.
 *
 * <p>HTTPS listens on 127.0.0.1:8443 and the redirecting HTTP listener on 127.0.0.1:8080, unless
 * PETS_HTTPS_PORT or PETS_HTTP_PORT is set in the environment. The JWT secret and the demo passwords are
 * generated at every start, and all data is deleted when the JVM exits. A conf/config.json in the working
 * directory still applies to the settings that this class does not set.
 */
public final class DevServer {

  private static final Logger LOG = LoggerFactory.getLogger(DevServer.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String DATABASE = "pets_dev";
  /** System property naming the certificate directory. The dev profile in pom.xml sets it to target/dev-certs. */
  private static final String CERTIFICATE_DIRECTORY_PROPERTY = "pets.dev.certificates";

  /** A demo account, with the password generated for this run. */
  private record DemoUser(String email, String name, String role, String scopes, String password) {
  }

  /** A demo pet and the demo user who creates it through the API. */
  private record DemoPet(DemoUser owner, JsonObject body) {
  }

  private DevServer() {
  }

  public static void main(String[] args) throws InterruptedException {
    String banner;
    try {
      banner = start();
    } catch (RuntimeException e) {
      // exec:java closes the class loader of this class when main throws, before the JVM runs its shutdown
      // hooks, so the embedded servers stop here while their classes can still load.
      EmbeddedServices.stop();
      throw e;
    }
    System.out.println(banner);
    // Blocks until Ctrl-C. The shutdown hook of EmbeddedServices then stops the service and the databases.
    new CountDownLatch(1).await();
  }

  /** Starts the databases and the service, seeds the demo data, and returns the text to print. */
  private static String start() {
    String postgresAdminUrl = EmbeddedServices.postgresUrl();
    String redisUrl = EmbeddedServices.redisUrl();
    createDatabase(postgresAdminUrl);
    String databaseUrl = TestEnvironment.replaceDatabase(postgresAdminUrl, DATABASE);

    Path certificateDirectory = Path.of(System.getProperty(CERTIFICATE_DIRECTORY_PROPERTY, "target/dev-certs"));
    DevCertificates.Files certificate = DevCertificates.generate(certificateDirectory);

    AppConfig config = new ConfigLoader(settings(databaseUrl, redisUrl, certificate)).loadForServer();
    ServerLauncher.RunningServer server = ServerLauncher.start(config);
    EmbeddedServices.beforeStop(() -> {
      LOG.info("Stopping the development server");
      server.close();
    });

    List<DemoUser> users = List.of(
        new DemoUser("admin@example.com", "Demo Admin", "admin", "read:pets write:pets delete:pets admin:all",
            newPassword()),
        new DemoUser("alice@example.com", "Alice Demo", "user", "read:pets write:pets delete:pets", newPassword()),
        new DemoUser("bob@example.com", "Bob Demo", "user", "read:pets", newPassword()));
    insertUsers(databaseUrl, users);
    ApiClient client = new ApiClient(config.httpsPort(), certificate.certificate(), HttpClient.Version.HTTP_1_1);
    createPets(client, demoPets(users.get(0), users.get(1)));

    return banner(config, certificate.certificate(), databaseUrl, redisUrl, users, users.get(1));
  }

  private static Map<String, String> settings(String databaseUrl, String redisUrl, DevCertificates.Files certificate) {
    String httpsPort = environmentOr("PETS_HTTPS_PORT", "8443");
    Map<String, String> settings = new HashMap<>();
    settings.put("PETS_ENV", "development");
    settings.put("PETS_HOST", "127.0.0.1");
    settings.put("PETS_HTTPS_PORT", httpsPort);
    settings.put("PETS_HTTP_PORT", environmentOr("PETS_HTTP_PORT", "8080"));
    settings.put("PETS_PUBLIC_ORIGIN", "https://localhost:" + httpsPort);
    settings.put("PETS_TLS_CERT", certificate.certificate().toString());
    settings.put("PETS_TLS_KEY", certificate.privateKey().toString());
    settings.put("PETS_PG_URL", databaseUrl);
    settings.put("PETS_REDIS_URL", redisUrl);
    settings.put("PETS_JWT_SECRET", randomBase64(48));
    return settings;
  }

  private static String environmentOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static void createDatabase(String adminUrl) {
    try (Connection admin = TestEnvironment.jdbc(adminUrl); Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      throw new IllegalStateException("creating database " + DATABASE + " on " + adminUrl + " failed: "
          + e.getMessage(), e);
    }
  }

  /** Inserts the demo users directly, because the API has no endpoint that creates users. */
  private static void insertUsers(String databaseUrl, List<DemoUser> users) {
    try (Connection db = TestEnvironment.jdbc(databaseUrl);
        PreparedStatement insert = db.prepareStatement(
            "INSERT INTO users (email, name, role, scopes, password_hash) VALUES (?, ?, ?, ?, ?)")) {
      for (DemoUser user : users) {
        insert.setString(1, user.email());
        insert.setString(2, user.name());
        insert.setString(3, user.role());
        insert.setArray(4, db.createArrayOf("text", user.scopes().split(" ")));
        insert.setString(5, PasswordHasher.hashNow(user.password()));
        insert.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("inserting the demo users failed: " + e.getMessage(), e);
    }
  }

  private static List<DemoPet> demoPets(DemoUser admin, DemoUser alice) {
    List<DemoPet> pets = new ArrayList<>();
    pets.add(new DemoPet(alice, new JsonObject().put("name", "Rex").put("species", "DOG").put("breed", "Beagle")
        .put("age", 4).put("weight", 11.5).put("isPublic", true)));
    pets.add(new DemoPet(alice, new JsonObject().put("name", "Misty").put("species", "CAT").put("age", 7)));
    pets.add(new DemoPet(alice, new JsonObject().put("name", "Thumper").put("species", "RABBIT").put("age", 2)
        .put("weight", 1.8)));
    pets.add(new DemoPet(admin, new JsonObject().put("name", "Kiwi").put("species", "BIRD").put("breed", "Budgerigar")
        .put("age", 1).put("isPublic", true)));
    return pets;
  }

  /** Creates the pets through the API, which also checks that login and TLS work before the banner. */
  private static void createPets(ApiClient client, List<DemoPet> pets) {
    Map<String, String> tokens = new HashMap<>();
    for (DemoPet pet : pets) {
      DemoUser owner = pet.owner();
      String token = tokens.computeIfAbsent(owner.email(), email -> login(client, owner));
      ApiClient.Response response = client.post("/v1/pets", token, pet.body().encode());
      if (response.status() != 201) {
        throw new IllegalStateException("creating demo pet " + pet.body().getString("name") + " failed: HTTP "
            + response.status() + " " + response.body());
      }
    }
  }

  private static String login(ApiClient client, DemoUser user) {
    ApiClient.Response response = client.post("/v1/auth/login", null,
        new JsonObject().put("email", user.email()).put("password", user.password()).encode());
    if (response.status() != 200) {
      throw new IllegalStateException("login of demo user " + user.email() + " failed: HTTP " + response.status()
          + " " + response.body());
    }
    return response.json().getString("accessToken");
  }

  private static String banner(AppConfig config, Path certificate, String databaseUrl, String redisUrl,
      List<DemoUser> users, DemoUser example) {
    String origin = "https://localhost:" + config.httpsPort();
    String caFile = displayPath(certificate);
    StringBuilder text = new StringBuilder();
    text.append("\nsecure-pets-api development server is ready\n");
    text.append("  API:        ").append(origin);
    if (config.httpPort() != 0) {
      text.append(" (plain HTTP on port ").append(config.httpPort()).append(" redirects to it)");
    }
    text.append("\n  CA file:    ").append(caFile).append(" (self-signed, for --cacert)\n");
    text.append("  PostgreSQL: ").append(databaseUrl).append(" (embedded, deleted at exit)\n");
    text.append("  Redis:      ").append(redisUrl).append(" (embedded, deleted at exit)\n\n");
    text.append("Demo users, with passwords generated for this run:\n");
    for (DemoUser user : users) {
      text.append(String.format("  %-18s password %s  role %-5s  scopes %s%n", user.email(), user.password(),
          user.role(), user.scopes()));
    }
    text.append("\nLog in as ").append(example.email()).append(" and list their pets:\n");
    text.append("TOKEN=$(curl -sS --cacert ").append(caFile)
        .append(" -H 'Content-Type: application/json' -d '")
        .append(new JsonObject().put("email", example.email()).put("password", example.password()).encode())
        .append("' ").append(origin).append("/v1/auth/login")
        .append(" | sed -E 's/.*\"accessToken\":\"([^\"]+)\".*/\\1/')")
        .append(" && curl -sS --cacert ").append(caFile)
        .append(" -H \"Authorization: Bearer $TOKEN\" ").append(origin).append("/v1/pets\n\n");
    text.append("Press Ctrl-C to stop.\n");
    return text.toString();
  }

  /** Returns {@code path} relative to the working directory when it is inside it, else absolute. */
  private static String displayPath(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    Path workingDirectory = Path.of("").toAbsolutePath();
    return absolute.startsWith(workingDirectory) ? workingDirectory.relativize(absolute).toString()
        : absolute.toString();
  }

  /** Returns a password of 24 URL-safe base64 characters, safe inside JSON and single shell quotes. */
  private static String newPassword() {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String randomBase64(int byteCount) {
    byte[] bytes = new byte[byteCount];
    RANDOM.nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
