package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** POST /v1/auth/login: the issued token, the single failure response and the strict request body. */
class LoginTest {

  private static final String LOGIN = "/v1/auth/login";
  private static final String JSON_UTF8 = "application/json; charset=utf-8";

  private final ApiClient client = ApiClient.forTestServer();
  private String email;
  private UUID userId;

  @BeforeEach
  void insertUser() {
    email = "login-" + UUID.randomUUID() + "@example.com";
    userId = Fixtures.insertUser(email, "Login User", "user", List.of("read:pets", "write:pets"));
  }

  @Test
  void loginReturnsBearerToken() {
    Response response = login(email, Fixtures.PASSWORD);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("Content-Type")).isEqualTo(JSON_UTF8);
    JsonObject body = response.json();
    assertThat(body.getString("accessToken")).isNotBlank();
    assertThat(body.getString("tokenType")).isEqualTo("Bearer");
    assertThat(body.getValue("expiresIn")).isEqualTo(900);
  }

  @Test
  void tokenCarriesContractClaims() {
    long before = Instant.now().getEpochSecond();
    String token = login(email, Fixtures.PASSWORD).json().getString("accessToken");
    long after = Instant.now().getEpochSecond();

    JsonObject header = decodeSegment(token, 0);
    JsonObject claims = decodeSegment(token, 1);

    assertThat(header.getString("alg")).isEqualTo("HS256");
    assertThat(claims.getString("sub")).isEqualTo(userId.toString());
    assertThat(Set.of(claims.getString("scope").split(" "))).containsExactlyInAnyOrder("read:pets", "write:pets");
    assertThat(claims.getString("iss")).isEqualTo("secure-pets");
    assertThat(claims.getString("aud")).isEqualTo("secure-pets-api");
    assertThat(claims.getLong("iat")).isBetween(before, after);
    assertThat(claims.getLong("exp")).isEqualTo(claims.getLong("iat") + 900);
    assertThat(claims.getString("jti")).isNotBlank();
  }

  @Test
  void eachLoginGetsNewTokenId() {
    String first = login(email, Fixtures.PASSWORD).json().getString("accessToken");
    String second = login(email, Fixtures.PASSWORD).json().getString("accessToken");

    assertThat(decodeSegment(second, 1).getString("jti")).isNotEqualTo(decodeSegment(first, 1).getString("jti"));
  }

  @Test
  void issuedTokenAuthenticates() {
    String token = login(email, Fixtures.PASSWORD).json().getString("accessToken");

    Response me = client.get("/v1/users/me", token);

    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().getString("id")).isEqualTo(userId.toString());
  }

  @Test
  void wrongPasswordRejected() {
    assertInvalidCredentials(login(email, Fixtures.PASSWORD + "!"));
  }

  @Test
  void unknownEmailRejected() {
    assertInvalidCredentials(login("nobody-" + UUID.randomUUID() + "@example.com", Fixtures.PASSWORD));
  }

  @Test
  void failuresIndistinguishable() {
    Response wrongPassword = login(email, "wrong password");
    Response unknownEmail = login("nobody-" + UUID.randomUUID() + "@example.com", "wrong password");

    assertThat(unknownEmail.status()).isEqualTo(wrongPassword.status());
    assertThat(unknownEmail.body()).isEqualTo(wrongPassword.body());
    assertThat(comparableHeaders(unknownEmail)).isEqualTo(comparableHeaders(wrongPassword));
  }

  @Test
  void emailIsCaseInsensitive() {
    Response response = login(email.toUpperCase(Locale.ROOT), Fixtures.PASSWORD);

    assertThat(response.status()).isEqualTo(200);
    assertThat(decodeSegment(response.json().getString("accessToken"), 1).getString("sub"))
        .isEqualTo(userId.toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"email\":\"a@example.com\"}                                        | password",
      "{\"password\":\"secret\"}                                            | email",
      "{}                                                                    | email",
      "{\"email\":\"a@example.com\",\"password\":\"secret\",\"role\":\"admin\"} | role",
      "{\"email\":42,\"password\":\"secret\"}                               | email",
      "{\"email\":\"a@example.com\",\"password\":12345678}                  | password",
      "{\"email\":null,\"password\":\"secret\"}                             | email",
      "{\"email\":[\"a@example.com\"],\"password\":\"secret\"}              | email",
      "[{\"email\":\"a@example.com\",\"password\":\"secret\"}]              | body",
      "\"a@example.com\"                                                    | body"})
  void nonConformingBodyIs422(String body, String field) {
    Response response = client.post(LOGIN, null, body);

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.header("Content-Type")).isEqualTo(JSON_UTF8);
    assertThat(response.json().getString("error")).isEqualTo("Validation failed");
    assertThat(response.json().getJsonArray("details").stream().map(d -> ((JsonObject) d).getString("field")))
        .contains(field);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"email\":\"a@example.com\",", "{email:'a@example.com',password:'x'}", "", "{}{}"})
  void malformedJsonIs400(String body) {
    Response response = client.post(LOGIN, null, body);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.header("Content-Type")).isEqualTo(JSON_UTF8);
    assertThat(response.json()).isEqualTo(new JsonObject().put("error", "Malformed JSON"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded"})
  void wrongContentTypeIs415(String contentType) {
    String body = new JsonObject().put("email", email).put("password", Fixtures.PASSWORD).encode();

    Response response = client.send("POST", LOGIN, null, body, Map.of("Content-Type", contentType));

    assertThat(response.status()).isEqualTo(415);
    assertThat(response.header("Content-Type")).isEqualTo(JSON_UTF8);
  }

  @Test
  void missingContentTypeIs415() {
    String body = new JsonObject().put("email", email).put("password", Fixtures.PASSWORD).encode();

    assertThat(client.send("POST", LOGIN, null, body, Map.of()).status()).isEqualTo(415);
  }

  @Test
  void loginRecordsLastLogin() throws SQLException {
    assertThat(storedLastLogin()).as("before any login").isNull();
    Instant before = Instant.now();

    assertThat(login(email, Fixtures.PASSWORD).status()).isEqualTo(200);

    // The database and this JVM read the same host clock, so one second of slack covers rounding.
    assertThat(storedLastLogin()).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
  }

  @Test
  void failedLoginRecordsNothing() throws SQLException {
    assertThat(login(email, "wrong password").status()).isEqualTo(401);

    assertThat(storedLastLogin()).isNull();
  }

  @Test
  void adminViewShowsLastLogin() {
    TestUser admin = Fixtures.userWithRole("admin", "admin:all");
    String path = "/v1/users/" + userId;
    assertThat(client.get(path, admin.token()).json().getValue("lastLoginAt")).as("before any login").isNull();
    Instant before = Instant.now().minusSeconds(1);

    assertThat(login(email, Fixtures.PASSWORD).status()).isEqualTo(200);

    String lastLogin = client.get(path, admin.token()).json().getString("lastLoginAt");
    assertThat(Instant.parse(lastLogin)).isBetween(before, Instant.now().plusSeconds(1));
  }

  private Response login(String loginEmail, String password) {
    return client.post(LOGIN, null, new JsonObject().put("email", loginEmail).put("password", password).encode());
  }

  private static void assertInvalidCredentials(Response response) {
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(response.header("Content-Type")).isEqualTo(JSON_UTF8);
    assertThat(response.json()).isEqualTo(new JsonObject().put("error", "Invalid credentials"));
  }

  /** Returns the response headers except the per-request id, in a stable order. */
  private static Map<String, List<String>> comparableHeaders(Response response) {
    Map<String, List<String>> headers = new TreeMap<>(response.headers().map());
    headers.remove("x-request-id");
    // Each attempt from this client uses one slot of the login window, so the count differs by design.
    headers.remove("ratelimit-remaining");
    headers.remove("ratelimit-reset");
    return headers;
  }

  /** Decodes segment {@code index} (0 header, 1 claims) of a compact JWT. */
  private static JsonObject decodeSegment(String token, int index) {
    byte[] json = Base64.getUrlDecoder().decode(token.split("\\.")[index]);
    return new JsonObject(new String(json, StandardCharsets.UTF_8));
  }

  private Instant storedLastLogin() throws SQLException {
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement select = db.prepareStatement("SELECT last_login_at FROM users WHERE id = ?")) {
      select.setObject(1, userId);
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).as("user row exists").isTrue();
        Timestamp lastLogin = rows.getTimestamp(1);
        return lastLogin == null ? null : lastLogin.toInstant();
      }
    }
  }
}
