package io.securepets.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.RawHttps;
import io.securepets.support.ServerProcess;
import io.securepets.support.ServerSettings;
import io.securepets.support.TestEnvironment;
import io.securepets.support.Waits;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The security events on the stdout of a real server process. One child JVM serves a scenario that
 * triggers every event the service emits for requests. The tests then read its whole stdout and
 * stderr after it has exited.
 */
class SecurityEventsTest {

  private static final List<String> COMMON_FIELDS = List.of("timestamp", "event", "ip", "userId", "endpoint",
      "method", "userAgent", "requestId");
  private static final String USER_AGENT = "events-test/1.0";
  private static final String FORGED_LINE =
      "{\"timestamp\":\"2020-01-01T00:00:00Z\",\"event\":\"FORGED_EVENT\",\"ip\":\"192.0.2.66\"}";
  private static final int SUSPICIOUS_THRESHOLD = 10;

  /** The event a request should have produced, and the fields that event should carry. */
  private record Expected(String event, String requestId, String userId, String endpoint, String method) {
  }

  private static final List<Expected> EXPECTED = new ArrayList<>();
  private static final List<String> SECRETS = new ArrayList<>();
  private static final List<RawHttps.Response> CONTROL_CHARACTER_RESPONSES = new ArrayList<>();
  private static List<String> stdout;
  private static List<String> stderr;

  private static ApiClient client;

  @BeforeAll
  static void runScenario() throws SQLException {
    Map<String, String> settings = ServerSettings.fresh();
    settings.put("PETS_INSTANCES", "1");
    settings.put("PETS_LIMIT_CREATE_PET", "2");
    settings.put("PETS_LIMIT_CREATE_PET_WINDOW_SECONDS", "600");
    settings.put("PETS_SUSPICIOUS_THRESHOLD", String.valueOf(SUSPICIOUS_THRESHOLD));
    settings.put("PETS_SUSPICIOUS_WINDOW_SECONDS", "600");
    String marker = UUID.randomUUID().toString().substring(0, 8);
    try (ServerProcess server = ServerProcess.start(settings)) {
      client = server.client();
      scenario(marker);
      sendControlCharacters(new RawHttps(server.port(), Path.of(settings.get("PETS_TLS_CERT"))));
      List<String> ids = EXPECTED.stream().map(Expected::requestId).toList();
      Waits.until(() -> ids.stream().allMatch(id -> server.stdout().stream().anyMatch(line -> line.contains(id))),
          Duration.ofSeconds(20));
      server.close();
      stdout = server.stdout();
      stderr = server.stderr();
    }
  }

  private static Response send(String method, String path, String token, JsonObject body) {
    Map<String, String> headers = body == null ? Map.of("User-Agent", USER_AGENT)
        : Map.of("User-Agent", USER_AGENT, "Content-Type", "application/json");
    return client.send(method, path, token, body == null ? null : body.encode(), headers);
  }

  private static void expect(String event, Response response, int status, UUID userId, String endpoint,
      String method) {
    assertThat(response.status()).as("status of %s %s for %s", method, endpoint, event).isEqualTo(status);
    EXPECTED.add(new Expected(event, response.header("X-Request-Id"), userId == null ? null : userId.toString(),
        endpoint, method));
  }

  private static String login(String email, String password) {
    Response response = send("POST", "/v1/auth/login", null,
        new JsonObject().put("email", email).put("password", password));
    String token = response.json().getString("accessToken");
    String subject = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]),
        java.nio.charset.StandardCharsets.UTF_8)).getString("sub");
    // A successful login names the user who logged in.
    expect("LOGIN_SUCCEEDED", response, 200, UUID.fromString(subject), "/v1/auth/login", "POST");
    SECRETS.add(token);
    SECRETS.add("Bearer " + token);
    return token;
  }

  private static UUID insertUser(String role, String marker, String... scopes) {
    String email = role + "-" + marker + "-" + UUID.randomUUID() + "@example.com";
    SECRETS.add(email);
    return Fixtures.insertUser(email, "Events " + role, role, List.of(scopes));
  }

  private static void scenario(String marker) throws SQLException {
    String ownerEmail = "owner-" + marker + "-" + UUID.randomUUID() + "@example.com";
    String readerEmail = "reader-" + marker + "-" + UUID.randomUUID() + "@example.com";
    String adminEmail = "admin-" + marker + "-" + UUID.randomUUID() + "@example.com";
    UUID owner = Fixtures.insertUser(ownerEmail, "Events Owner", "user",
        List.of("read:pets", "write:pets", "delete:pets"));
    UUID reader = Fixtures.insertUser(readerEmail, "Events Reader", "user", List.of("read:pets"));
    UUID admin = Fixtures.insertUser(adminEmail, "Events Admin", "admin", List.of("read:pets"));
    UUID victim = insertUser("user", marker, "read:pets");
    SECRETS.addAll(List.of(Fixtures.PASSWORD, ownerEmail, readerEmail, adminEmail));

    String ownerToken = login(ownerEmail, Fixtures.PASSWORD);
    String readerToken = login(readerEmail, Fixtures.PASSWORD);
    String adminToken = login(adminEmail, Fixtures.PASSWORD);

    String wrongPassword = "wrong-password-" + marker + "-Zq81";
    SECRETS.add(wrongPassword);
    expect("LOGIN_FAILED", send("POST", "/v1/auth/login", null,
        new JsonObject().put("email", ownerEmail).put("password", wrongPassword)), 401, null, "/v1/auth/login", "POST");

    String forgedToken = "forged-token-" + marker + "-" + UUID.randomUUID();
    String cursor = "query-secret-" + marker;
    SECRETS.addAll(List.of(forgedToken, cursor));
    expect("AUTH_FAILED", send("GET", "/v1/pets?limit=5&cursor=" + cursor, forgedToken, null), 401, null,
        "/v1/pets", "GET");

    JsonObject dragon = new JsonObject().put("name", "Smaug-" + marker).put("species", "DRAGON");
    SECRETS.add("Smaug-" + marker);
    expect("VALIDATION_FAILED", send("POST", "/v1/pets", ownerToken, dragon), 422, owner, "/v1/pets", "POST");

    String petName = "Biscuit-" + marker;
    String breed = "Breedname-" + marker;
    SECRETS.addAll(List.of(petName, breed));
    Response created = send("POST", "/v1/pets", ownerToken,
        new JsonObject().put("name", petName).put("species", "DOG").put("breed", breed));
    expect("PET_CREATED", created, 201, owner, "/v1/pets", "POST");
    String petPath = "/v1/pets/" + created.json().getString("id");

    String newName = "Renamed-" + marker;
    SECRETS.add(newName);
    expect("PET_UPDATED", send("PATCH", petPath, ownerToken, new JsonObject().put("name", newName)), 200, owner,
        petPath, "PATCH");
    expect("PET_DELETED", send("DELETE", petPath, ownerToken, null), 204, owner, petPath, "DELETE");

    String rejectedName = "Rejected-" + marker;
    SECRETS.add(rejectedName);
    withInsertRejected(rejectedName, marker, () -> expect("PET_CREATE_FAILED", send("POST", "/v1/pets", ownerToken,
        new JsonObject().put("name", rejectedName).put("species", "CAT")), 500, owner, "/v1/pets", "POST"));

    expect("RATE_LIMITED", send("POST", "/v1/pets", ownerToken,
        new JsonObject().put("name", "Third-" + marker).put("species", "CAT")), 429, owner, "/v1/pets", "POST");

    String victimPath = "/v1/admin/users/" + victim;
    expect("USER_DELETED", send("DELETE", victimPath, adminToken, null), 204, admin, victimPath, "DELETE");

    JsonObject pet = new JsonObject().put("name", "Forbidden-" + marker).put("species", "DOG");
    for (int i = 1; i <= SUSPICIOUS_THRESHOLD; i++) {
      expect("AUTHZ_FAILED", send("POST", "/v1/pets", readerToken, pet), 403, reader, "/v1/pets", "POST");
    }
    expect("SUSPICIOUS_ACTIVITY", send("POST", "/v1/pets", readerToken, pet), 403, reader, "/v1/pets", "POST");
  }

  /** Runs {@code action} while a database trigger rejects inserting a pet named {@code name}. */
  private static void withInsertRejected(String name, String marker, Runnable action) throws SQLException {
    String function = "reject_pet_" + marker.replace('-', '_');
    try (Connection db = TestEnvironment.get().database(); Statement statement = db.createStatement()) {
      statement.execute("CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          + "IF NEW.name = '" + name + "' THEN RAISE EXCEPTION 'insert rejected by a test trigger'; END IF; "
          + "RETURN NEW; END $$");
      statement.execute("CREATE TRIGGER " + function + " BEFORE INSERT ON pets FOR EACH ROW EXECUTE FUNCTION "
          + function + "()");
      try {
        action.run();
      } finally {
        statement.execute("DROP TRIGGER " + function + " ON pets");
        statement.execute("DROP FUNCTION " + function + "()");
      }
    }
  }

  /** Sends User-Agent values with CR and LF before a forged event line, each on its own connection. */
  private static void sendControlCharacters(RawHttps raw) {
    for (String userAgent : new String[] {
        "ua-bare-cr\r" + FORGED_LINE,
        "ua-folded\r\n " + FORGED_LINE,
        "ua-bare-lf\n" + FORGED_LINE,
        "ua-vertical-tab\u000b" + FORGED_LINE}) {
      CONTROL_CHARACTER_RESPONSES.add(raw.send("GET", "/v1/pets", List.of("User-Agent: " + userAgent)));
    }
  }

  private static JsonObject parse(String line) {
    try {
      return new JsonObject(line);
    } catch (DecodeException e) {
      return null;
    }
  }

  private static List<JsonObject> linesOf(String requestId) {
    return stdout.stream().map(SecurityEventsTest::parse)
        .filter(event -> event != null && requestId.equals(event.getString("requestId")))
        .toList();
  }

  @Test
  void everyEventNameAppears() {
    List<String> names = List.of("AUTH_FAILED", "AUTHZ_FAILED", "VALIDATION_FAILED", "RATE_LIMITED",
        "SUSPICIOUS_ACTIVITY", "LOGIN_SUCCEEDED", "LOGIN_FAILED", "PET_CREATED", "PET_CREATE_FAILED", "PET_UPDATED",
        "PET_DELETED", "USER_DELETED");
    List<String> emitted = stdout.stream().map(SecurityEventsTest::parse).filter(event -> event != null)
        .map(event -> event.getString("event")).toList();

    for (String name : names) {
      assertThat(emitted).as("events on stdout").contains(name);
    }
  }

  @Test
  void eventsCarryRequestFields() {
    for (Expected expected : EXPECTED) {
      List<JsonObject> lines = linesOf(expected.requestId()).stream()
          .filter(line -> expected.event().equals(line.getString("event"))).toList();
      String description = expected.event() + " of " + expected.method() + " " + expected.endpoint();

      assertThat(lines).as("%s lines", description).hasSize(1);
      JsonObject event = lines.get(0);
      assertThat(event.fieldNames()).as("%s fields", description).containsAll(COMMON_FIELDS);
      assertThat(event.getString("timestamp")).as("%s timestamp", description).endsWith("Z");
      assertThat(Instant.parse(event.getString("timestamp"))).as("%s timestamp", description)
          .isBetween(Instant.now().minus(Duration.ofMinutes(10)), Instant.now());
      assertThat(event.getString("ip")).as("%s ip", description).isEqualTo("127.0.0.1");
      assertThat(event.getString("userId")).as("%s userId", description).isEqualTo(expected.userId());
      assertThat(event.getString("endpoint")).as("%s endpoint", description).isEqualTo(expected.endpoint());
      assertThat(event.getString("method")).as("%s method", description).isEqualTo(expected.method());
      assertThat(event.getString("userAgent")).as("%s userAgent", description).isEqualTo(USER_AGENT);
    }
  }

  @Test
  void everyStdoutLineIsOneEvent() {
    assertThat(stdout).isNotEmpty();
    for (String line : stdout) {
      JsonObject event = parse(line);

      assertThat(event).as("stdout line %s", line).isNotNull();
      assertThat(event.fieldNames()).as("fields of %s", line).containsAll(COMMON_FIELDS);
    }
  }

  @Test
  void controlCharactersStayInOneLine() {
    List<JsonObject> carriers = stdout.stream().map(SecurityEventsTest::parse)
        .filter(event -> event != null && event.getString("userAgent") != null
            && event.getString("userAgent").contains("FORGED_EVENT"))
        .toList();

    assertThat(CONTROL_CHARACTER_RESPONSES).allMatch(response -> response.status() >= 400);
    assertThat(stdout).as("lines starting with the forged event").noneMatch(line -> line.startsWith(FORGED_LINE));
    assertThat(stdout.stream().map(SecurityEventsTest::parse))
        .as("parsed events named FORGED_EVENT")
        .noneMatch(event -> event != null && "FORGED_EVENT".equals(event.getString("event")));
    assertThat(carriers).as("events whose userAgent carries the forged line").isNotEmpty();
    assertThat(carriers).allMatch(event -> "AUTH_FAILED".equals(event.getString("event")));
  }

  @Test
  void stdoutHoldsNoSecrets() {
    String output = String.join("\n", stdout);

    assertThat(SECRETS).hasSizeGreaterThan(10);
    for (String secret : SECRETS) {
      assertThat(output).as("stdout").doesNotContain(secret);
    }
  }

  @Test
  void stderrHoldsNoSecrets() {
    String output = String.join("\n", stderr);

    for (String secret : SECRETS) {
      assertThat(output).as("stderr").doesNotContain(secret);
    }
  }
}
