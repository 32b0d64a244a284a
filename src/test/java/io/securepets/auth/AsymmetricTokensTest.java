package io.securepets.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.securepets.config.ConfigException;
import io.securepets.config.ConfigLoader;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.InProcessServer;
import io.securepets.support.ServerSettings;
import io.securepets.server.ServerLauncher;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RS256, ES256 and EdDSA tokens against a server whose allowlist is asymmetric: kid selection, two
 * keys at once, reloading a rotated key without a restart, and the classic algorithm attacks.
 */
class AsymmetricTokensTest {

  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  @TempDir
  static Path keyDir;

  private static KeyPair rsa;
  private static KeyPair ec;
  private static KeyPair ed;
  private static KeyPair stranger;

  @BeforeAll
  static void generateKeys() throws Exception {
    KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
    rsaGenerator.initialize(2048);
    rsa = rsaGenerator.generateKeyPair();
    stranger = rsaGenerator.generateKeyPair();
    KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
    ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
    ec = ecGenerator.generateKeyPair();
    ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    write("rsa.pem", publicPem(rsa.getPublic()));
    write("ec.pem", publicPem(ec.getPublic()));
    write("ed.pem", publicPem(ed.getPublic()));
    write("rsa-private.pem", privatePem(rsa.getPrivate()));
    write("stranger-private.pem", privatePem(stranger.getPrivate()));
  }

  private static Path write(String name, String content) throws Exception {
    return Files.writeString(keyDir.resolve(name), content);
  }

  private static String publicPem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static String privatePem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static Map<String, String> asymmetric(String publicKeys) {
    return Map.of(
        "PETS_JWT_ALGORITHMS", "RS256,ES256,EdDSA",
        "PETS_JWT_PUBLIC_KEYS", publicKeys,
        "PETS_JWT_SIGNING_KEY", keyDir.resolve("rsa-private.pem").toString(),
        "PETS_JWT_KEYS_RELOAD_SECONDS", "1");
  }

  private static String allKeys() {
    return keyDir.resolve("rsa.pem") + "," + keyDir.resolve("ec.pem") + "," + keyDir.resolve("ed.pem");
  }

  /** Signs {@code claims} with {@code key} under {@code algorithm}, as a JOSE compact token. */
  private static String sign(String algorithm, String kid, PrivateKey key, JsonObject claims) throws Exception {
    JsonObject header = new JsonObject().put("alg", algorithm).put("typ", "JWT");
    if (kid != null) {
      header.put("kid", kid);
    }
    String input = Fixtures.base64Url(header.encode()) + "." + Fixtures.base64Url(claims.encode());
    Signature signer = Signature.getInstance(switch (algorithm) {
      case "RS256" -> "SHA256withRSA";
      case "ES256" -> "SHA256withECDSAinP1363Format";
      default -> "Ed25519";
    });
    signer.initSign(key);
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + BASE64URL.encodeToString(signer.sign());
  }

  private static JsonObject claimsFor(Fixtures.TestUser user) {
    return Fixtures.validClaims(user.id(), "read:pets");
  }

  @Test
  void loginSignsWithRs256AndKid() throws Exception {
    try (InProcessServer server = InProcessServer.start(asymmetric(allKeys()))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");
      Response login = server.client().post("/v1/auth/login", null,
          new JsonObject().put("email", user.email()).put("password", Fixtures.PASSWORD).encode());
      String token = login.json().getString("accessToken");
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]),
          StandardCharsets.UTF_8));

      assertThat(login.status()).isEqualTo(200);
      assertThat(header.getString("alg")).isEqualTo("RS256");
      assertThat(header.getString("kid")).isEqualTo(KeyRing.thumbprint(rsa.getPublic()));
      assertThat(server.client().get("/v1/users/me", token).status()).isEqualTo(200);
    }
  }

  @Test
  void everyAllowedAlgorithmVerifies() throws Exception {
    try (InProcessServer server = InProcessServer.start(asymmetric(allKeys()))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");

      String rs = sign("RS256", KeyRing.thumbprint(rsa.getPublic()), rsa.getPrivate(), claimsFor(user));
      String es = sign("ES256", KeyRing.thumbprint(ec.getPublic()), ec.getPrivate(), claimsFor(user));
      String eddsa = sign("EdDSA", null, ed.getPrivate(), claimsFor(user));

      assertThat(server.client().get("/v1/users/me", rs).status()).isEqualTo(200);
      assertThat(server.client().get("/v1/users/me", es).status()).isEqualTo(200);
      assertThat(server.client().get("/v1/users/me", eddsa).status()).isEqualTo(200);
    }
  }

  @Test
  void hs256WithPublicKeyTextRejected() throws Exception {
    try (InProcessServer server = InProcessServer.start(asymmetric(allKeys()))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");
      String publicKeyText = Files.readString(keyDir.resolve("rsa.pem"));

      String confused = Fixtures.sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claimsFor(user).encode(), publicKeyText);
      Response response = server.client().get("/v1/users/me", confused);

      assertThat(response.status()).isEqualTo(401);
      assertThat(response.json().getString("message")).isEqualTo("Algorithm not allowed");
    }
  }

  @Test
  void zeroEs256SignatureRejected() throws Exception {
    try (InProcessServer server = InProcessServer.start(asymmetric(allKeys()))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");
      String input = Fixtures.base64Url("{\"alg\":\"ES256\",\"typ\":\"JWT\"}") + "."
          + Fixtures.base64Url(claimsFor(user).encode());

      Response zeros = server.client().get("/v1/users/me", input + "." + BASE64URL.encodeToString(new byte[64]));
      Response ones = server.client().get("/v1/users/me", input + "." + BASE64URL.encodeToString(fill(64, 0xFF)));

      assertThat(zeros.status()).isEqualTo(401);
      assertThat(zeros.json().getString("message")).isEqualTo("Invalid signature");
      assertThat(ones.status()).isEqualTo(401);
    }
  }

  private static byte[] fill(int length, int value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }

  @Test
  void unknownKeyRejected() throws Exception {
    try (InProcessServer server = InProcessServer.start(asymmetric(allKeys()))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");

      String unknownKid = sign("RS256", "no-such-key", rsa.getPrivate(), claimsFor(user));
      String strangerKey = sign("RS256", null, stranger.getPrivate(), claimsFor(user));
      String wrongKid = sign("RS256", KeyRing.thumbprint(ec.getPublic()), rsa.getPrivate(), claimsFor(user));

      assertThat(server.client().get("/v1/users/me", unknownKid).status()).isEqualTo(401);
      assertThat(server.client().get("/v1/users/me", strangerKey).status()).isEqualTo(401);
      assertThat(server.client().get("/v1/users/me", wrongKid).status()).isEqualTo(401);
    }
  }

  @Test
  void hs256RejectedWhenNotAllowed() throws Exception {
    try (InProcessServer server = InProcessServer.start(asymmetric(allKeys()))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");

      Response response = server.client().get("/v1/users/me", Fixtures.sign(claimsFor(user)));

      assertThat(response.status()).isEqualTo(401);
      assertThat(response.json().getString("message")).isEqualTo("Algorithm not allowed");
    }
  }

  @Test
  void rotatedKeyReloadsWithoutRestart() throws Exception {
    Path rotating = write("rotating.pem", publicPem(ec.getPublic()));
    String keys = keyDir.resolve("rsa.pem") + "," + rotating;
    try (InProcessServer server = InProcessServer.start(asymmetric(keys))) {
      Fixtures.TestUser user = Fixtures.user("read:pets");
      String signedByEc = sign("ES256", null, ec.getPrivate(), claimsFor(user));
      String signedByEd = sign("EdDSA", null, ed.getPrivate(), claimsFor(user));
      assertThat(server.client().get("/v1/users/me", signedByEc).status()).isEqualTo(200);
      assertThat(server.client().get("/v1/users/me", signedByEd).status()).isEqualTo(401);

      Files.writeString(rotating, publicPem(ed.getPublic()));

      long deadline = System.currentTimeMillis() + 10_000;
      while (server.client().get("/v1/users/me", signedByEd).status() != 200 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertThat(server.client().get("/v1/users/me", signedByEd).status()).isEqualTo(200);
      assertThat(server.client().get("/v1/users/me", signedByEc).status()).isEqualTo(401);
      assertThat(server.client().get("/v1/users/me",
          sign("RS256", null, rsa.getPrivate(), claimsFor(user))).status()).isEqualTo(200);
    }
  }

  @Test
  void startRefusedWithoutVerificationKey() {
    Map<String, String> settings = ServerSettings.fresh();
    settings.put("PETS_JWT_ALGORITHMS", "RS256");
    settings.remove("PETS_JWT_PUBLIC_KEYS");

    assertThatThrownBy(() -> new ConfigLoader(settings).loadForServer())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PETS_JWT_PUBLIC_KEYS is missing");
  }

  @Test
  void startRefusedForUnmatchedSigningKey() {
    Map<String, String> settings = ServerSettings.fresh();
    settings.putAll(asymmetric(allKeys()));
    settings.put("PETS_JWT_SIGNING_KEY", keyDir.resolve("stranger-private.pem").toString());

    assertThatThrownBy(() -> ServerLauncher.start(new ConfigLoader(settings).loadForServer()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("matches no key in PETS_JWT_PUBLIC_KEYS");
  }

  @Test
  void thumbprintIsStableSha256() throws Exception {
    PublicKey reread = java.security.KeyFactory.getInstance("RSA")
        .generatePublic(new java.security.spec.X509EncodedKeySpec(rsa.getPublic().getEncoded()));

    assertThat(Base64.getUrlDecoder().decode(KeyRing.thumbprint(rsa.getPublic()))).hasSize(32);
    assertThat(KeyRing.thumbprint(reread)).isEqualTo(KeyRing.thumbprint(rsa.getPublic()));
    assertThat(KeyRing.thumbprint(rsa.getPublic())).isNotEqualTo(KeyRing.thumbprint(stranger.getPublic()));
    assertThat(KeyRing.thumbprint(ec.getPublic())).isNotEqualTo(KeyRing.thumbprint(ed.getPublic()));
  }
}
