package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Refresh-token rotation, reuse detection and logout, from the caller's side. */
class TokenLifecycleTest {

  private final ApiClient client = ApiClient.forTestServer();

  /** The tokens of one login. */
  private record Login(String accessToken, String refreshToken) {
  }

  private Login login(String email) {
    Response response = client.post("/v1/auth/login", null,
        new JsonObject().put("email", email).put("password", Fixtures.PASSWORD).encode());
    assertThat(response.status()).isEqualTo(200);
    return new Login(response.json().getString("accessToken"), response.json().getString("refreshToken"));
  }

  private Response refresh(String refreshToken) {
    return client.post("/v1/auth/refresh", null, new JsonObject().put("refreshToken", refreshToken).encode());
  }

  private static void assertRevoked(Response response, String message) {
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.json().getString("error")).isEqualTo("Invalid token");
    assertThat(response.json().getString("message")).isEqualTo(message);
    assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\"");
  }

  @Test
  void loginIssuesOpaqueRefreshToken() throws Exception {
    Login login = login(Fixtures.user("read:pets").email());

    byte[] decoded = Base64.getUrlDecoder().decode(login.refreshToken());
    assertThat(decoded.length * 8).isGreaterThanOrEqualTo(256);
    assertThat(login.refreshToken()).doesNotContain(".");
    byte[] expectedHash = MessageDigest.getInstance("SHA-256")
        .digest(login.refreshToken().getBytes(StandardCharsets.UTF_8));
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement query = db.prepareStatement("SELECT count(*) FROM refresh_tokens WHERE token_hash = ?")) {
      query.setBytes(1, expectedHash);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        assertThat(rows.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void refreshStoresNoTokenText() throws Exception {
    Login login = login(Fixtures.user("read:pets").email());

    try (Connection db = TestEnvironment.get().database(); Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery("SELECT row_to_json(t)::text FROM refresh_tokens t")) {
      while (rows.next()) {
        assertThat(rows.getString(1)).doesNotContain(login.refreshToken());
      }
    }
  }

  @Test
  void refreshRotatesTokens() {
    Login login = login(Fixtures.user("read:pets").email());

    Response rotated = refresh(login.refreshToken());

    assertThat(rotated.status()).isEqualTo(200);
    assertThat(rotated.json().getString("tokenType")).isEqualTo("Bearer");
    assertThat(rotated.json().getInteger("expiresIn")).isEqualTo(900);
    assertThat(rotated.json().getString("refreshToken")).isNotEqualTo(login.refreshToken());
    assertThat(rotated.json().getString("accessToken")).isNotEqualTo(login.accessToken());
    assertThat(client.get("/v1/users/me", rotated.json().getString("accessToken")).status()).isEqualTo(200);
    assertRevoked(refresh(login.refreshToken()), "Refresh token already used; every token of this login is now revoked");
  }

  @Test
  void reuseRevokesWholeLogin() {
    String email = Fixtures.user("read:pets").email();
    Login login = login(email);
    Login otherLogin = login(email);
    Response rotated = refresh(login.refreshToken());
    String newAccess = rotated.json().getString("accessToken");
    String newRefresh = rotated.json().getString("refreshToken");

    Response replay = refresh(login.refreshToken());

    assertThat(replay.status()).isEqualTo(401);
    assertRevoked(client.get("/v1/users/me", login.accessToken()), "Token revoked");
    assertRevoked(client.get("/v1/users/me", newAccess), "Token revoked");
    assertRevoked(refresh(newRefresh), "Refresh token revoked");
    assertThat(client.get("/v1/users/me", otherLogin.accessToken()).status()).isEqualTo(200);
    assertThat(refresh(otherLogin.refreshToken()).status()).isEqualTo(200);
  }

  @Test
  void logoutRevokesTokenAndFamily() {
    String email = Fixtures.user("read:pets").email();
    Login login = login(email);
    Login otherLogin = login(email);

    Response logout = client.send("POST", "/v1/auth/logout", login.accessToken(), null, java.util.Map.of());

    assertThat(logout.status()).isEqualTo(204);
    assertThat(logout.body()).isEmpty();
    assertRevoked(client.get("/v1/users/me", login.accessToken()), "Token revoked");
    assertRevoked(client.get("/v1/pets", login.accessToken()), "Token revoked");
    assertRevoked(refresh(login.refreshToken()), "Refresh token revoked");
    assertThat(client.get("/v1/users/me", otherLogin.accessToken()).status()).isEqualTo(200);
  }

  @Test
  void logoutNeedsValidToken() {
    Response anonymous = client.send("POST", "/v1/auth/logout", null, null, java.util.Map.of());
    Response garbage = client.send("POST", "/v1/auth/logout", "not.a.token", null, java.util.Map.of());

    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.json().getString("error")).isEqualTo("Authentication required");
    assertThat(garbage.status()).isEqualTo(401);
    assertThat(garbage.json().getString("error")).isEqualTo("Invalid token");
  }

  @Test
  void unknownRefreshTokenRejected() {
    assertRevoked(refresh(Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32])),
        "Invalid refresh token");
    assertRevoked(refresh("garbage"), "Invalid refresh token");
  }

  @Test
  void malformedRefreshBodyRejected() {
    Response missing = client.post("/v1/auth/refresh", null, "{}");
    Response extra = client.post("/v1/auth/refresh", null, "{\"refreshToken\":\"x\",\"userId\":\"y\"}");
    Response wrongType = client.post("/v1/auth/refresh", null, "{\"refreshToken\":42}");
    Response broken = client.post("/v1/auth/refresh", null, "{\"refreshToken\":");

    assertThat(missing.status()).isEqualTo(422);
    assertThat(extra.status()).isEqualTo(422);
    assertThat(wrongType.status()).isEqualTo(422);
    assertThat(broken.status()).isEqualTo(400);
  }

  @Test
  void expiredRefreshTokenRejected() throws Exception {
    Login login = login(Fixtures.user("read:pets").email());
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(login.refreshToken().getBytes(StandardCharsets.UTF_8));
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement expire = db.prepareStatement(
            "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?")) {
      expire.setBytes(1, hash);
      assertThat(expire.executeUpdate()).isEqualTo(1);
    }

    assertRevoked(refresh(login.refreshToken()), "Refresh token expired");
  }

  @Test
  void deletedUsersRefreshRejected() throws Exception {
    Fixtures.TestUser user = Fixtures.user("read:pets");
    Login login = login(user.email());
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement delete = db.prepareStatement("DELETE FROM users WHERE id = ?")) {
      delete.setObject(1, user.id());
      delete.executeUpdate();
    }

    assertRevoked(refresh(login.refreshToken()), "Invalid refresh token");
  }

  @Test
  void refreshedTokenKeepsScopes() {
    Fixtures.TestUser user = Fixtures.user("read:pets", "write:pets");
    Login login = login(user.email());

    String accessToken = refresh(login.refreshToken()).json().getString("accessToken");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]),
        StandardCharsets.UTF_8));

    assertThat(claims.getString("sub")).isEqualTo(user.id().toString());
    assertThat(claims.getString("scope")).isEqualTo("read:pets write:pets");
    assertThat(UUID.fromString(claims.getString("jti"))).isNotNull();
  }
}
