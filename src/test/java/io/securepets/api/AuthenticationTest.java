package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bearer-token checks from an attacker's side. Each forged token differs from one the server accepts
 * ({@link #validTokenIsAccepted}) in one property only, so its 401 can only come from that property.
 */
class AuthenticationTest {

  private static final String PATH = "/v1/pets";
  private static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  private static final String OTHER_SECRET = "another-secret-of-the-same-length-" + UUID.randomUUID();
  /** Clock skew the contract allows on exp and nbf, in seconds. */
  private static final long LEEWAY_SECONDS = 30;

  private static UUID userId;

  private final ApiClient client = ApiClient.forTestServer();

  @BeforeAll
  static void insertTokenSubject() {
    userId = Fixtures.insertUser("subject-" + UUID.randomUUID() + "@example.com", "Token Subject", "user",
        List.of("read:pets"));
  }

  @Test
  void missingHeaderRequiresAuthentication() {
    Response response = client.get(PATH, null);

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(response.json()).isEqualTo(new JsonObject()
        .put("error", "Authentication required")
        .put("message", "Provide credentials in the Authorization header"));
  }

  @Test
  void validTokenIsAccepted() {
    Response response = client.get(PATH, Fixtures.sign(claims()));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"garbage", "not.a.jwt", "a.b.c.d", "....", "eyJhbGciOiJIUzI1NiJ9.%%%.sig"})
  void garbageTokenRejected(String token) {
    assertInvalidToken(client.get(PATH, token));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Basic", "Token", "JWT", "Digest"})
  void otherSchemeRejected(String scheme) {
    String header = scheme + " " + Fixtures.sign(claims());

    assertInvalidToken(client.send("GET", PATH, null, null, Map.of("Authorization", header)));
  }

  @Test
  void bearerWithoutTokenRejected() {
    assertInvalidToken(client.send("GET", PATH, null, null, Map.of("Authorization", "Bearer")));
  }

  @ParameterizedTest
  @CsvSource({"none, true", "none, false", "None, true", "None, false", "NONE, true", "NONE, false"})
  void unsignedAlgNoneRejected(String algorithm, boolean trailingDot) {
    String unsigned = Fixtures.base64Url("{\"alg\":\"" + algorithm + "\",\"typ\":\"JWT\"}") + "."
        + Fixtures.base64Url(claims().encode());

    assertInvalidToken(client.get(PATH, trailingDot ? unsigned + "." : unsigned));
  }

  @ParameterizedTest
  @CsvSource({"HS384, HmacSHA384", "HS512, HmacSHA512", "RS256, HmacSHA256"})
  void otherAlgorithmRejected(String algorithm, String macAlgorithm) {
    String header = "{\"alg\":\"" + algorithm + "\",\"typ\":\"JWT\"}";

    String token = signWithMac(macAlgorithm, header, claims().encode(), TestEnvironment.JWT_SECRET);

    assertInvalidToken(client.get(PATH, token));
  }

  @Test
  void foreignKeySignatureRejected() {
    String token = Fixtures.sign(HS256_HEADER, claims().encode(), OTHER_SECRET);

    assertInvalidToken(client.get(PATH, token));
  }

  @Test
  void emptySignatureRejected() {
    String token = Fixtures.sign(claims());

    assertInvalidToken(client.get(PATH, token.substring(0, token.lastIndexOf('.') + 1)));
  }

  @Test
  void strippedSignatureRejected() {
    String token = Fixtures.sign(claims());

    assertInvalidToken(client.get(PATH, token.substring(0, token.lastIndexOf('.'))));
  }

  @Test
  void editedPayloadRejected() {
    String token = Fixtures.sign(claims());
    String[] parts = token.split("\\.");
    String escalated = Fixtures.base64Url(claims().put("scope", "read:pets write:pets delete:pets admin:all").encode());

    assertInvalidToken(client.get(PATH, parts[0] + "." + escalated + "." + parts[2]));
  }

  @Test
  void expiredBeyondLeewayRejected() {
    long now = now();
    JsonObject expired = claims().put("iat", now - 900).put("exp", now - 2 * LEEWAY_SECONDS);

    assertInvalidToken(client.get(PATH, Fixtures.sign(expired)));
  }

  @Test
  void expiredWithinLeewayAccepted() {
    long now = now();
    JsonObject justExpired = claims().put("iat", now - 900).put("exp", now - LEEWAY_SECONDS / 3);

    assertThat(client.get(PATH, Fixtures.sign(justExpired)).status()).isEqualTo(200);
  }

  @Test
  void notBeforeBeyondLeewayRejected() {
    JsonObject early = claims().put("nbf", now() + 2 * LEEWAY_SECONDS);

    assertInvalidToken(client.get(PATH, Fixtures.sign(early)));
  }

  @Test
  void notBeforeWithinLeewayAccepted() {
    JsonObject slightlyEarly = claims().put("nbf", now() + LEEWAY_SECONDS / 3);

    assertThat(client.get(PATH, Fixtures.sign(slightlyEarly)).status()).isEqualTo(200);
  }

  @Test
  void futureIssuedAtRejected() {
    long now = now();
    JsonObject future = claims().put("iat", now + 3600).put("exp", now + 4200);

    assertInvalidToken(client.get(PATH, Fixtures.sign(future)));
  }

  @Test
  void wrongIssuerRejected() {
    assertInvalidToken(client.get(PATH, Fixtures.sign(claims().put("iss", "someone-else"))));
  }

  @Test
  void wrongAudienceRejected() {
    assertInvalidToken(client.get(PATH, Fixtures.sign(claims().put("aud", "another-api"))));
  }

  @Test
  void audienceArrayWithApiAccepted() {
    JsonObject claims = claims().put("aud", new JsonArray().add("another-api").add("secure-pets-api"));

    assertThat(client.get(PATH, Fixtures.sign(claims)).status()).isEqualTo(200);
  }

  @Test
  void audienceArrayWithoutApiRejected() {
    JsonObject claims = claims().put("aud", new JsonArray().add("another-api").add("secure-pets"));

    assertInvalidToken(client.get(PATH, Fixtures.sign(claims)));
  }

  @Test
  void missingSubjectRejected() {
    JsonObject claims = claims();
    claims.remove("sub");

    assertInvalidToken(client.get(PATH, Fixtures.sign(claims)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "admin", "12345", "00000000000000000000000000000000", "{00000000-0000-0000-0000-000000000000}"})
  void nonUuidSubjectRejected(String subject) {
    assertInvalidToken(client.get(PATH, Fixtures.sign(claims().put("sub", subject))));
  }

  @Test
  void numericSubjectRejected() {
    assertInvalidToken(client.get(PATH, Fixtures.sign(claims().put("sub", 42))));
  }

  @Test
  void missingExpiryRejected() {
    JsonObject claims = claims();
    claims.remove("exp");

    assertInvalidToken(client.get(PATH, Fixtures.sign(claims)));
  }

  @Test
  void deletedUserTokenRejected() throws SQLException {
    UUID deleted = Fixtures.insertUser("deleted-" + UUID.randomUUID() + "@example.com", "Deleted User", "user",
        List.of("read:pets", "write:pets"));
    String token = Fixtures.sign(Fixtures.validClaims(deleted, "read:pets write:pets"));
    assertThat(client.get(PATH, token).status()).as("before the delete").isEqualTo(200);

    deleteUser(deleted);

    assertInvalidToken(client.get("/v1/pets", token));
    assertInvalidToken(client.get("/v1/users/me", token));
    assertInvalidToken(client.post("/v1/pets", token, "{\"name\":\"Rex\",\"species\":\"DOG\"}"));
  }

  @Test
  void oversizedTokenRejected() {
    JsonObject padded = claims().put("padding", "x".repeat(8 * 1024));

    assertInvalidToken(client.get(PATH, Fixtures.sign(padded)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"jku\":\"https://attacker.example/jwks.json\"",
      "\"jwk\":{\"kty\":\"oct\",\"k\":\"YXR0YWNrZXIta2V5\"}",
      "\"x5u\":\"https://attacker.example/cert.pem\"",
      "\"crit\":[\"exp\"]"})
  void keyOrCriticalHeaderRejected(String member) {
    String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"," + member + "}";

    assertInvalidToken(client.get(PATH, Fixtures.sign(header, claims().encode(), TestEnvironment.JWT_SECRET)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "scope | \"read:pets write:pets delete:pets admin:all\"",
      "sub   | \"00000000-0000-0000-0000-000000000001\"",
      "exp   | 9999999999"})
  void duplicateClaimRejected(String claim, String secondValue) {
    String json = claims().encode();
    String duplicated = json.substring(0, json.length() - 1) + ",\"" + claim + "\":" + secondValue + "}";

    assertInvalidToken(client.get(PATH, Fixtures.sign(HS256_HEADER, duplicated, TestEnvironment.JWT_SECRET)));
  }

  @Test
  void createWithoutWriteScopeForbidden() {
    TestUser reader = Fixtures.user("read:pets");

    Response response = client.post("/v1/pets", reader.token(), "{\"name\":\"Rex\",\"species\":\"DOG\"}");

    assertInsufficientScope(response, "write:pets", "read:pets");
    assertThat(client.get("/v1/pets", reader.token()).json().getJsonArray("items")).as("pets after").isEmpty();
  }

  @Test
  void deleteWithoutDeleteScopeForbidden() {
    TestUser writer = Fixtures.user("read:pets", "write:pets");
    String petId = Fixtures.pet(writer, Map.of()).getString("id");

    Response response = client.delete("/v1/pets/" + petId, writer.token());

    assertInsufficientScope(response, "delete:pets", "read:pets", "write:pets");
    assertThat(client.get("/v1/pets/" + petId, writer.token()).status()).as("pet after").isEqualTo(200);
  }

  /** Returns claims of a token that the server accepts, for one test to change. */
  private static JsonObject claims() {
    return Fixtures.validClaims(userId, "read:pets");
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private static void assertInvalidToken(Response response) {
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\"");
    assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    JsonObject body = response.json();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message");
    assertThat(body.getString("error")).isEqualTo("Invalid token");
    String message = body.getString("message");
    assertThat(message).isNotBlank();
    assertThat(message).hasSizeLessThanOrEqualTo(100);
    assertThat(message).doesNotContain("\n", "\r", "\t");
    assertThat(message).doesNotContainIgnoringCase("exception", "vertx", "jackson", "netty", "at io.", "at java.");
  }

  private static void assertInsufficientScope(Response response, String required, String... granted) {
    assertThat(response.status()).isEqualTo(403);
    assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    JsonObject body = response.json();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "required", "granted");
    assertThat(body.getString("error")).isEqualTo("Insufficient permissions");
    assertThat(body.getJsonArray("required").getList()).containsExactly(required);
    assertThat(body.getJsonArray("granted").getList()).containsExactlyInAnyOrder((Object[]) granted);
  }

  private static void deleteUser(UUID id) throws SQLException {
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement delete = db.prepareStatement("DELETE FROM users WHERE id = ?")) {
      delete.setObject(1, id);
      assertThat(delete.executeUpdate()).as("deleted rows").isEqualTo(1);
    }
  }

  /** Signs a token whose header names any algorithm, with the JCA MAC {@code macAlgorithm}. */
  private static String signWithMac(String macAlgorithm, String headerJson, String claimsJson, String secret) {
    String signingInput = Fixtures.base64Url(headerJson) + "." + Fixtures.base64Url(claimsJson);
    try {
      Mac mac = Mac.getInstance(macAlgorithm);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), macAlgorithm));
      byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(macAlgorithm + " is not available", e);
    }
  }
}
