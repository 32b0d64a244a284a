package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** How the router handles unknown paths, wrong methods, method overrides and CORS. */
class RoutingTest {

  /** The only origin the test server allows, set through PETS_CORS_ORIGINS by TestEnvironment. */
  private static final String ALLOWED_ORIGIN = "https://app.test.example";

  private final ApiClient client = ApiClient.forTestServer();

  @Test
  void unknownPathIsNotFound() {
    TestUser user = Fixtures.user("read:pets");
    for (String path : List.of("/no/such/path", "/", "/v1", "/v1/pet", "/v2/pets", "/v1/pets/a/b",
        "/v1/admin/users", "/health")) {
      for (String token : new String[] {null, user.token()}) {
        Response response = client.get(path, token);

        assertThat(response.status()).as(path).isEqualTo(404);
        assertThat(response.json()).as(path).isEqualTo(new JsonObject().put("error", "Not found"));
        assertThat(response.header("Content-Type")).as(path).isEqualTo("application/json; charset=utf-8");
      }
    }
  }

  @Test
  void wrongMethodListsAllowedMethods() {
    String id = UUID.randomUUID().toString();
    Map<String, Set<String>> cases = new LinkedHashMap<>();
    cases.put("PUT /v1/pets", Set.of("GET", "POST"));
    cases.put("DELETE /v1/pets", Set.of("GET", "POST"));
    cases.put("POST /v1/pets/" + id, Set.of("GET", "PATCH", "DELETE"));
    cases.put("PUT /v1/pets/" + id, Set.of("GET", "PATCH", "DELETE"));
    cases.put("DELETE /health/live", Set.of("GET"));
    cases.put("POST /health/ready", Set.of("GET"));
    cases.put("GET /v1/auth/login", Set.of("POST"));
    cases.put("POST /v1/public/pets", Set.of("GET"));
    cases.put("PATCH /v1/users/me", Set.of("GET"));
    cases.put("DELETE /v1/users/" + id, Set.of("GET"));
    cases.put("GET /v1/admin/users/" + id, Set.of("DELETE"));

    cases.forEach((request, allowed) -> {
      String[] parts = request.split(" ");
      Response response = client.send(parts[0], parts[1], null, null, Map.of());

      assertThat(response.status()).as(request).isEqualTo(405);
      assertThat(response.header("Allow")).as(request).isNotNull();
      assertThat(allowedMethods(response)).as(request).isEqualTo(allowed);
      assertThat(response.json().getString("error")).as(request).isNotBlank();
    });
  }

  @Test
  void wrongMethodIgnoresToken() {
    TestUser user = Fixtures.user("read:pets", "write:pets");

    Response response = client.send("PUT", "/v1/pets", user.token(), "{\"name\":\"Rex\"}",
        Map.of("Content-Type", "application/json"));

    assertThat(response.status()).isEqualTo(405);
    assertThat(allowedMethods(response)).isEqualTo(Set.of("GET", "POST"));
  }

  @Test
  void methodOverrideHeaderIsIgnored() {
    TestUser owner = Fixtures.user("read:pets", "write:pets", "delete:pets");
    String id = Fixtures.pet(owner, Map.of()).getString("id");

    for (String header : List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
      Response response = client.send("POST", "/v1/pets/" + id, owner.token(), null, Map.of(header, "DELETE"));

      assertThat(response.status()).as(header).isEqualTo(405);
    }
    assertThat(client.get("/v1/pets/" + id, owner.token()).status()).isEqualTo(200);
  }

  @Test
  void preflightFromAllowedOrigin() {
    Response response = client.send("OPTIONS", "/v1/pets", null, null, Map.of(
        "Origin", ALLOWED_ORIGIN,
        "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "Authorization, Content-Type"));

    assertThat(response.status()).isBetween(200, 204);
    assertThat(response.headers().allValues("Access-Control-Allow-Origin")).containsExactly(ALLOWED_ORIGIN);
    assertThat(response.header("Access-Control-Allow-Methods")).contains("POST");
    assertThat(response.header("Access-Control-Allow-Credentials")).isNotEqualTo("true");
  }

  @Test
  void requestFromAllowedOrigin() {
    Response response = client.send("GET", "/health/live", null, null, Map.of("Origin", ALLOWED_ORIGIN));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers().allValues("Access-Control-Allow-Origin")).containsExactly(ALLOWED_ORIGIN);
  }

  @Test
  void preflightFromOtherOrigins() {
    for (String origin : List.of("https://evil.example", "null", "http://app.test.example",
        "https://app.test.example.evil.example", "https://app.test.example:8443")) {
      Response response = client.send("OPTIONS", "/v1/pets", null, null, Map.of(
          "Origin", origin,
          "Access-Control-Request-Method", "POST"));

      assertThat(response.header("Access-Control-Allow-Origin")).as(origin).isNull();
      assertThat(response.status()).as(origin).isEqualTo(403);
      assertThat(response.json().getString("error")).as(origin).isEqualTo("Access denied");
    }
  }

  @Test
  void requestFromOtherOrigin() {
    Response response = client.send("GET", "/health/live", null, null, Map.of("Origin", "https://evil.example"));

    assertThat(response.header("Access-Control-Allow-Origin")).isNull();
    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json().getString("error")).isEqualTo("Access denied");
  }

  @Test
  void corsNeverAllowsEveryOrigin() {
    for (String origin : List.of(ALLOWED_ORIGIN, "https://evil.example")) {
      Response preflight = client.send("OPTIONS", "/v1/pets", null, null, Map.of(
          "Origin", origin,
          "Access-Control-Request-Method", "GET"));
      Response request = client.send("GET", "/v1/public/pets", null, null, Map.of("Origin", origin));

      assertThat(preflight.headers().allValues("Access-Control-Allow-Origin")).as(origin).doesNotContain("*");
      assertThat(request.headers().allValues("Access-Control-Allow-Origin")).as(origin).doesNotContain("*");
    }
  }

  private static Set<String> allowedMethods(Response response) {
    String allow = response.header("Allow");
    if (allow == null) {
      return Set.of();
    }
    return Arrays.stream(allow.split(",")).map(String::trim).filter(m -> !m.isEmpty()).collect(Collectors.toSet());
  }
}
