package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The /v1/users and /v1/admin/users endpoints. Every response this class receives, from these and
 * from a sweep over all other endpoints, is checked for the stored secrets that Fixtures writes into
 * each test user.
 */
class UsersTest {

  /** Names of the secret columns and properties, matched in any letter case. */
  private static final List<String> SECRET_NAMES = List.of("passwordHash", "password_hash", "apiKeys", "api_keys",
      "internalNotes", "internal_notes");
  /** The password hash prefix, and the API key and internal note that Fixtures stores for every user. */
  private static final List<String> SECRET_VALUES = List.of("$argon2id$", "pk_test_secret_key",
      "flagged for review");
  private static final JsonObject ADMIN_ONLY = new JsonObject().put("error", "Access denied")
      .put("message", "This endpoint requires one of: admin");

  private final ApiClient client = ApiClient.forTestServer();

  // ---- views ----

  @Test
  void meReturnsOwnView() {
    TestUser user = Fixtures.user("read:pets");

    Response response = call("GET", "/v1/users/me", user.token(), null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    JsonObject view = response.json();
    assertThat(view.fieldNames()).containsExactlyInAnyOrder("id", "name", "email", "createdAt");
    assertThat(view.getString("id")).isEqualTo(user.id().toString());
    assertThat(view.getString("email")).isEqualTo(user.email());
    assertThat(view.getString("name")).isEqualTo("Test user");
    assertThat(Instant.parse(view.getString("createdAt"))).isBefore(Instant.now().plusSeconds(60));
  }

  @Test
  void meRequiresToken() {
    Response response = call("GET", "/v1/users/me", null, null);

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void adminScopeSeesAdminView() {
    TestUser auditor = Fixtures.user("admin:all");
    TestUser target = Fixtures.user("read:pets");

    Response response = call("GET", "/v1/users/" + target.id(), auditor.token(), null);

    assertThat(response.status()).isEqualTo(200);
    JsonObject view = response.json();
    assertThat(view.fieldNames())
        .containsExactlyInAnyOrder("id", "name", "email", "role", "createdAt", "lastLoginAt");
    assertThat(view.getString("id")).isEqualTo(target.id().toString());
    assertThat(view.getString("name")).isEqualTo("Test user");
    assertThat(view.getString("email")).isEqualTo(target.email());
    assertThat(view.getString("role")).isEqualTo("user");
    assertThat(Instant.parse(view.getString("createdAt"))).isNotNull();
    assertThat(Instant.parse(view.getString("lastLoginAt")))
        .isAfterOrEqualTo(Instant.parse(view.getString("createdAt")));
  }

  @Test
  void adminViewShowsNeverLoggedIn() {
    TestUser auditor = Fixtures.user("admin:all");
    UUID target = Fixtures.insertUser("never-" + UUID.randomUUID() + "@example.com", "Dormant", "admin",
        List.of());

    Response response = call("GET", "/v1/users/" + target, auditor.token(), null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().fieldNames()).contains("lastLoginAt");
    assertThat(response.json().getValue("lastLoginAt")).isNull();
    assertThat(response.json().getString("role")).isEqualTo("admin");
  }

  @Test
  void selfSeesOwnView() {
    TestUser user = Fixtures.user("read:pets");

    Response response = call("GET", "/v1/users/" + user.id(), user.token(), null);

    assertThat(response.status()).isEqualTo(200);
    JsonObject view = response.json();
    assertThat(view.fieldNames()).containsExactlyInAnyOrder("id", "name", "email", "createdAt");
    assertThat(view.getString("id")).isEqualTo(user.id().toString());
    assertThat(view.getString("email")).isEqualTo(user.email());
  }

  @Test
  void othersSeeIdAndName() {
    TestUser viewer = Fixtures.user("read:pets", "write:pets", "delete:pets");
    TestUser target = Fixtures.userWithRole("admin", "admin:all");

    Response response = call("GET", "/v1/users/" + target.id(), viewer.token(), null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json())
        .isEqualTo(new JsonObject().put("id", target.id().toString()).put("name", "Test admin"));
    assertThat(response.body()).doesNotContain(target.email());
  }

  @Test
  void absentUserIsNotFound() {
    TestUser viewer = Fixtures.user("admin:all");

    Response response = call("GET", "/v1/users/" + UUID.randomUUID(), viewer.token(), null);

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json().getString("error")).isNotBlank();
  }

  @Test
  void malformedUserIdIsNotFound() {
    TestUser viewer = Fixtures.user("admin:all");
    JsonObject absent = call("GET", "/v1/users/" + UUID.randomUUID(), viewer.token(), null).json();
    String uuid = viewer.id().toString();

    for (String id : List.of("123", "not-a-uuid", uuid + "0", uuid.toUpperCase() + "x", "%00",
        uuid.replace("-", ""))) {
      Response response = call("GET", "/v1/users/" + id, viewer.token(), null);

      assertThat(response.status()).as(id).isEqualTo(404);
      assertThat(response.json()).as(id).isEqualTo(absent);
    }
  }

  // ---- admin delete ----

  @Test
  void adminDeletesUserAndPets() {
    TestUser admin = Fixtures.userWithRole("admin", "admin:all");
    TestUser victim = Fixtures.user("read:pets", "write:pets");
    Fixtures.pet(victim, Map.of("name", "First"));
    Fixtures.pet(victim, Map.of("name", "Second", "isPublic", true));
    assertThat(countRows("SELECT count(*) FROM pets WHERE owner_id = ?", victim.id())).isEqualTo(2);

    Response response = call("DELETE", "/v1/admin/users/" + victim.id(), admin.token(), null);

    assertThat(response.status()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
    assertThat(countRows("SELECT count(*) FROM users WHERE id = ?", victim.id())).isZero();
    assertThat(countRows("SELECT count(*) FROM pets WHERE owner_id = ?", victim.id())).isZero();
    for (String path : List.of("/v1/users/me", "/v1/pets")) {
      Response afterwards = call("GET", path, victim.token(), null);
      assertThat(afterwards.status()).as(path).isEqualTo(401);
      assertThat(afterwards.json().getString("error")).as(path).isEqualTo("Invalid token");
      assertThat(afterwards.header("WWW-Authenticate")).as(path).isEqualTo("Bearer error=\"invalid_token\"");
    }
    Response createAfterwards = call("POST", "/v1/pets", victim.token(), "{\"name\":\"Ghost\",\"species\":\"CAT\"}");
    assertThat(createAfterwards.status()).isEqualTo(401);
    assertThat(countRows("SELECT count(*) FROM pets WHERE owner_id = ?", victim.id())).isZero();
  }

  @Test
  void adminDeleteOfAbsentUser() {
    TestUser admin = Fixtures.userWithRole("admin", "admin:all");

    Response absent = call("DELETE", "/v1/admin/users/" + UUID.randomUUID(), admin.token(), null);
    Response malformed = call("DELETE", "/v1/admin/users/not-a-uuid", admin.token(), null);

    assertThat(absent.status()).isEqualTo(404);
    assertThat(malformed.status()).isEqualTo(404);
  }

  @Test
  void adminScopeWithoutRoleIsDenied() {
    TestUser pretender = Fixtures.user("read:pets", "write:pets", "delete:pets", "admin:all");
    TestUser victim = Fixtures.user("read:pets", "write:pets");
    Fixtures.pet(victim, Map.of());

    Response response = call("DELETE", "/v1/admin/users/" + victim.id(), pretender.token(), null);

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(ADMIN_ONLY);
    assertThat(countRows("SELECT count(*) FROM users WHERE id = ?", victim.id())).isEqualTo(1);
    assertThat(countRows("SELECT count(*) FROM pets WHERE owner_id = ?", victim.id())).isEqualTo(1);
  }

  @Test
  void demotedAdminIsDenied() {
    TestUser admin = Fixtures.userWithRole("admin", "admin:all");
    TestUser first = Fixtures.user("read:pets");
    TestUser second = Fixtures.user("read:pets");
    assertThat(call("DELETE", "/v1/admin/users/" + first.id(), admin.token(), null).status()).isEqualTo(204);

    execute("UPDATE users SET role = 'user' WHERE id = ?", admin.id());
    Response response = call("DELETE", "/v1/admin/users/" + second.id(), admin.token(), null);

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json()).isEqualTo(ADMIN_ONLY);
    assertThat(countRows("SELECT count(*) FROM users WHERE id = ?", second.id())).isEqualTo(1);
  }

  @Test
  void adminDeleteRequiresToken() {
    TestUser victim = Fixtures.user("read:pets");

    Response response = call("DELETE", "/v1/admin/users/" + victim.id(), null, null);

    assertThat(response.status()).isEqualTo(401);
    assertThat(countRows("SELECT count(*) FROM users WHERE id = ?", victim.id())).isEqualTo(1);
  }

  // ---- secrets ----

  @Test
  void sweepRevealsNoSecrets() {
    TestUser admin = Fixtures.userWithRole("admin", "read:pets", "write:pets", "delete:pets", "admin:all");
    TestUser user = Fixtures.user("read:pets", "write:pets", "delete:pets");
    TestUser doomed = Fixtures.user("read:pets");
    String petId = Fixtures.pet(user, Map.of("name", "Swept", "isPublic", true)).getString("id");
    String badToken = Fixtures.sign(Fixtures.validClaims(user.id(), "read:pets").put("exp", 1));
    String login = new JsonObject().put("email", user.email()).put("password", Fixtures.PASSWORD).encode();
    String wrongLogin = new JsonObject().put("email", user.email()).put("password", "wrong password!").encode();

    List<Response> responses = new ArrayList<>();
    responses.add(call("GET", "/health/live", null, null));
    responses.add(call("GET", "/health/ready", null, null));
    responses.add(call("POST", "/v1/auth/login", null, login));
    responses.add(call("POST", "/v1/auth/login", null, wrongLogin));
    responses.add(call("POST", "/v1/auth/login", null, "{\"email\":\"" + user.email() + "\"}"));
    responses.add(call("GET", "/v1/public/pets", null, null));
    for (TestUser caller : List.of(admin, user)) {
      responses.add(call("GET", "/v1/pets", caller.token(), null));
      responses.add(call("POST", "/v1/pets", caller.token(), "{\"name\":\"Sweep\",\"species\":\"CAT\"}"));
      responses.add(call("POST", "/v1/pets", caller.token(), "{\"name\":\"Sweep\"}"));
      responses.add(call("GET", "/v1/pets/" + petId, caller.token(), null));
      responses.add(call("PATCH", "/v1/pets/" + petId, caller.token(), "{\"age\":4}"));
      responses.add(call("GET", "/v1/users/me", caller.token(), null));
      responses.add(call("GET", "/v1/users/" + admin.id(), caller.token(), null));
      responses.add(call("GET", "/v1/users/" + user.id(), caller.token(), null));
      responses.add(call("GET", "/v1/users/" + doomed.id(), caller.token(), null));
      responses.add(call("GET", "/v1/users/" + UUID.randomUUID(), caller.token(), null));
    }
    responses.add(call("DELETE", "/v1/admin/users/" + doomed.id(), user.token(), null));
    responses.add(call("DELETE", "/v1/admin/users/" + doomed.id(), admin.token(), null));
    responses.add(call("GET", "/v1/users/me", doomed.token(), null));
    responses.add(call("GET", "/v1/users/me", badToken, null));
    responses.add(call("DELETE", "/v1/pets/" + petId, user.token(), null));
    responses.add(call("GET", "/no/such/path", null, null));
    responses.add(call("PUT", "/v1/users/me", user.token(), "{}"));

    assertThat(responses).extracting(Response::status)
        .contains(200, 201, 204, 401, 403, 404, 405, 422);
  }

  // ---- helpers ----

  /** Sends a request, with a JSON body when {@code body} is not null, and checks the response for secrets. */
  private Response call(String method, String path, String token, String body) {
    Map<String, String> headers = body == null ? Map.of() : Map.of("Content-Type", "application/json");
    Response response = client.send(method, path, token, body, headers);
    assertNoSecrets(method + " " + path, response);
    return response;
  }

  private static void assertNoSecrets(String request, Response response) {
    String headers = response.headers().map().toString();
    for (String name : SECRET_NAMES) {
      assertThat(response.body()).as(request + " body").doesNotContainIgnoringCase(name);
      assertThat(headers).as(request + " headers").doesNotContainIgnoringCase(name);
    }
    for (String value : SECRET_VALUES) {
      assertThat(response.body()).as(request + " body").doesNotContain(value);
      assertThat(headers).as(request + " headers").doesNotContain(value);
    }
  }

  private static int countRows(String sql, UUID id) {
    try (Connection db = TestEnvironment.get().database(); PreparedStatement query = db.prepareStatement(sql)) {
      query.setObject(1, id);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("query failed: " + sql, e);
    }
  }

  private static void execute(String sql, UUID id) {
    try (Connection db = TestEnvironment.get().database(); PreparedStatement update = db.prepareStatement(sql)) {
      update.setObject(1, id);
      assertThat(update.executeUpdate()).as(sql).isEqualTo(1);
    } catch (SQLException e) {
      throw new IllegalStateException("statement failed: " + sql, e);
    }
  }
}
