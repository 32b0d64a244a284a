package io.securepets.support;

import io.securepets.auth.PasswordHasher;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Users, logins and hand-made tokens for tests. */
public final class Fixtures {

  public static final String PASSWORD = "correct horse battery staple";
  private static final String PASSWORD_HASH = PasswordHasher.hashNow(PASSWORD);

  private Fixtures() {
  }

  /** A user created for one test: its id, email and a fresh access token from the login endpoint. */
  public record TestUser(UUID id, String email, String token) {
  }

  /**
   * Inserts a user with a unique email, the shared test password and {@code role}, then logs in through
   * the API. It is not an overload of {@link #user(String...)} because Java cannot tell the two apart
   * when every argument is a string.
   */
  public static TestUser userWithRole(String role, String... scopes) {
    String email = "user-" + UUID.randomUUID() + "@example.com";
    UUID id = insertUser(email, "Test " + role, role, List.of(scopes));
    return new TestUser(id, email, login(email, PASSWORD));
  }

  /** Inserts a user with role {@code user} and {@code scopes}, then logs in through the API. */
  public static TestUser user(String... scopes) {
    return userWithRole("user", scopes);
  }

  /** Inserts a user directly, bypassing the API; returns its id. */
  public static UUID insertUser(String email, String name, String role, List<String> scopes) {
    try (Connection db = TestEnvironment.get().database()) {
      return insertUser(db, email, name, role, scopes);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot insert test user " + email, e);
    }
  }

  /**
   * Inserts a user with the shared test password into the database of {@code db}, for a server of a test's
   * own; returns its id.
   */
  public static UUID insertUser(Connection db, String email, String name, String role, List<String> scopes) {
    try (PreparedStatement insert = db.prepareStatement("""
            INSERT INTO users (email, name, role, scopes, password_hash, api_keys, internal_notes)
            VALUES (?, ?, ?, ?, ?, '["pk_test_secret_key"]'::jsonb, 'internal: flagged for review')
            RETURNING id""")) {
      insert.setString(1, email);
      insert.setString(2, name);
      insert.setString(3, role);
      insert.setArray(4, db.createArrayOf("text", scopes.toArray()));
      insert.setString(5, PASSWORD_HASH);
      try (ResultSet rows = insert.executeQuery()) {
        rows.next();
        return rows.getObject(1, UUID.class);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot insert test user " + email, e);
    }
  }

  /** Logs in through POST /v1/auth/login and returns the access token. */
  public static String login(String email, String password) {
    return login(ApiClient.forTestServer(), email, password);
  }

  /** Logs in through POST /v1/auth/login of the server behind {@code client} and returns the access token. */
  public static String login(ApiClient client, String email, String password) {
    ApiClient.Response response = client.post("/v1/auth/login", null,
        new JsonObject().put("email", email).put("password", password).encode());
    if (response.status() != 200) {
      throw new IllegalStateException("login of " + email + " failed: " + response.status() + " " + response.body());
    }
    return response.json().getString("accessToken");
  }

  /** Returns claims that the test server accepts for {@code userId}, to be altered by a test. */
  public static JsonObject validClaims(UUID userId, String scope) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject()
        .put("sub", userId.toString())
        .put("scope", scope)
        .put("iss", "secure-pets")
        .put("aud", "secure-pets-api")
        .put("iat", now)
        .put("exp", now + 600)
        .put("jti", UUID.randomUUID().toString());
  }

  /** Signs {@code claims} with HS256 under {@code secret}, with the given raw header JSON. */
  public static String sign(String headerJson, String claimsJson, String secret) {
    String signingInput = base64Url(headerJson) + "." + base64Url(claimsJson);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Signs {@code claims} as the test server would, with the test secret. */
  public static String sign(JsonObject claims) {
    return sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims.encode(), TestEnvironment.JWT_SECRET);
  }

  public static String base64Url(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Creates a pet through the API and returns its JSON. */
  public static JsonObject pet(TestUser owner, Map<String, Object> fields) {
    JsonObject body = new JsonObject().put("name", "Rex").put("species", "DOG");
    fields.forEach(body::put);
    ApiClient.Response response = ApiClient.forTestServer().post("/v1/pets", owner.token(), body.encode());
    if (response.status() != 201) {
      throw new IllegalStateException("creating a pet failed: " + response.status() + " " + response.body());
    }
    return response.json();
  }
}
