package io.securepets.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.securepets.config.AppConfig;
import io.securepets.http.ApiException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes {@link TokenService#verify} with HS256 and ES256 allowed. The future must fail with a 401
 * {@link ApiException} or succeed for a token whose signature this test verifies on its own with the
 * configured keys, and whose claims are the ones the contract requires.
 *
 * <p>An input is UTF-8 text. When its first line names a signer, the second line is the header JSON,
 * the rest is the claims JSON, and the test builds and signs the token: {@code hs256} with the secret,
 * {@code es256} with the configured EC key, {@code hs256-public-key} with the EC public key's PEM text
 * as HMAC key (algorithm confusion), {@code hs256-other} with another secret, {@code none} with an
 * empty signature. Any other input is passed to verify as the token itself.
 */
class TokenFuzzTest {

  /** A fixed secret, so that the kept inputs may contain HS256 tokens that the service accepts. */
  private static final String SECRET = "token-fuzz-test-secret-0123456789abcdef";
  private static final String OTHER_SECRET = "another-secret-of-the-same-length-0123456";
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
  private static final String CANONICAL_UUID =
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
  /** Upper bound for one verification, reached only when verify hangs. */
  private static final long VERIFY_TIMEOUT_SECONDS = 10;

  private static Vertx vertx;
  private static Path keyDir;
  private static KeyPair ec;
  private static String ecPublicPem;
  private static TokenService tokens;

  @BeforeAll
  static void startTokenService() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    ec = generator.generateKeyPair();
    ecPublicPem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(ec.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
    keyDir = Files.createTempDirectory("token-fuzz");
    Path publicKey = Files.writeString(keyDir.resolve("ec.pem"), ecPublicPem);
    AppConfig.Jwt settings = new AppConfig.Jwt(SECRET.getBytes(StandardCharsets.UTF_8), "secure-pets",
        "secure-pets-api", 900, 1_209_600, List.of("HS256", "ES256"), List.of(publicKey), null, 0);
    vertx = Vertx.vertx();
    tokens = new TokenService(vertx, settings, KeyRing.load(settings));
  }

  @AfterAll
  static void stopTokenService() throws Exception {
    vertx.close().await();
    Files.delete(keyDir.resolve("ec.pem"));
    Files.delete(keyDir);
  }

  @FuzzTest(maxDuration = "10s")
  void verify(byte[] input) throws Exception {
    String token = tokenFor(new String(input, StandardCharsets.UTF_8));

    Caller caller;
    try {
      caller = tokens.verify(token).toCompletionStage().toCompletableFuture()
          .get(VERIFY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException failure) {
      assertRejection(failure.getCause());
      return;
    } catch (TimeoutException e) {
      fail("verify did not complete within %d s for %s", VERIFY_TIMEOUT_SECONDS, token);
      return;
    }
    assertAcceptable(token, caller);
  }

  private static String tokenFor(String input) throws GeneralSecurityException {
    String[] lines = input.split("\n", 3);
    if (lines.length < 3) {
      return input;
    }
    String signingInput = BASE64URL.encodeToString(lines[1].getBytes(StandardCharsets.UTF_8)) + "."
        + BASE64URL.encodeToString(lines[2].getBytes(StandardCharsets.UTF_8));
    byte[] signature = switch (lines[0]) {
      case "hs256" -> hmac(SECRET, signingInput);
      case "es256" -> es256(signingInput);
      case "hs256-public-key" -> hmac(ecPublicPem, signingInput);
      case "hs256-other" -> hmac(OTHER_SECRET, signingInput);
      case "none" -> new byte[0];
      default -> null;
    };
    return signature == null ? input : signingInput + "." + BASE64URL.encodeToString(signature);
  }

  private static void assertRejection(Throwable cause) {
    assertThat(cause).as("failure of verify").isInstanceOf(ApiException.class);
    ApiException rejection = (ApiException) cause;
    assertThat(rejection.status()).as("status").isEqualTo(401);
    assertThat(rejection.body().getString("error")).as("error").isEqualTo("Invalid token");
    assertThat(rejection.body().getString("message")).as("reason").isNotBlank();
  }

  /** Checks an accepted token independently of the service: its signature under a configured key, then its claims. */
  private static void assertAcceptable(String token, Caller caller) throws GeneralSecurityException {
    String[] segments = token.split("\\.", -1);
    assertThat(segments).as("segments of accepted %s", token).hasSize(3);
    JsonObject header = new JsonObject(decodeText(segments[0]));
    JsonObject claims = new JsonObject(decodeText(segments[1]));
    String signingInput = segments[0] + "." + segments[1];
    byte[] signature = Base64.getUrlDecoder().decode(segments[2]);
    assertThat(BASE64URL.encodeToString(signature)).as("spelling of the signature of %s", token).isEqualTo(segments[2]);
    String algorithm = header.getString("alg");
    if ("HS256".equals(algorithm)) {
      assertThat(signature).as("HS256 signature of accepted %s", token).isEqualTo(hmac(SECRET, signingInput));
    } else if ("ES256".equals(algorithm)) {
      Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
      verifier.initVerify(ec.getPublic());
      verifier.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      assertThat(verifier.verify(signature)).as("ES256 signature of accepted %s", token).isTrue();
    } else {
      fail("accepted a token with alg %s: %s", algorithm, token);
    }
    assertThat(claims.getValue("iss")).as("iss").isEqualTo("secure-pets");
    Object audience = claims.getValue("aud");
    boolean audienceMatches = "secure-pets-api".equals(audience)
        || audience instanceof JsonArray list && list.contains("secure-pets-api");
    assertThat(audienceMatches).as("aud %s", audience).isTrue();
    assertThat(claims.getValue("sub")).as("sub").isInstanceOf(String.class);
    assertThat(claims.getString("sub")).as("sub").matches(CANONICAL_UUID);
    assertThat(UUID.fromString(claims.getString("sub"))).as("sub").isEqualTo(caller.userId());
    assertThat(claims.getValue("exp")).as("exp").isInstanceOf(Number.class);
    long now = System.currentTimeMillis() / 1000;
    assertThat(claims.getLong("exp")).as("exp").isGreaterThan(now - TokenService.LEEWAY_SECONDS);
  }

  private static String decodeText(String segment) {
    return new String(Base64.getUrlDecoder().decode(segment), StandardCharsets.UTF_8);
  }

  private static byte[] hmac(String key, String signingInput) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] es256(String signingInput) throws GeneralSecurityException {
    Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
    signer.initSign(ec.getPrivate());
    signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signer.sign();
  }
}
