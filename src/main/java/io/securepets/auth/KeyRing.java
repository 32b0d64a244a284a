package io.securepets.auth;

import io.securepets.config.AppConfig;
import io.securepets.config.ConfigException;
import io.securepets.crypto.KeyPairs;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token keys of one process, read from the configured files: the HS256 secret when HS256 is
 * allowed, PEM public keys and JWKS files for RS256, ES256 and EdDSA, and the private key that signs
 * login tokens. {@link #reload()} reads the files again, so a key can be added or rotated without a
 * restart; verticles pick up a new {@link Snapshot} by its version.
 *
 * <p>A PEM key's {@code kid} is its RFC 7638 JWK thumbprint (SHA-256, base64url); a JWKS key keeps its
 * own {@code kid}. The signing key takes the {@code kid} of the public key that verifies it, and
 * loading fails when none does, so the service can always verify the tokens it issues.
 */
public final class KeyRing {

  private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final AppConfig.Jwt settings;
  private volatile Snapshot current;
  private String loadedContent;

  /** The keys in force: verification keys (PEM form and JWKs), the signing key, and a version. */
  public record Snapshot(long version, List<PubSecKeyOptions> verificationKeys, List<JsonObject> jwks,
      PubSecKeyOptions signingKey) {
  }

  private KeyRing(AppConfig.Jwt settings) {
    this.settings = settings;
  }

  /** Reads every key file; a missing, unreadable or unusable key stops the start with a {@link ConfigException}. */
  public static KeyRing load(AppConfig.Jwt settings) {
    KeyRing ring = new KeyRing(settings);
    ring.loadedContent = ring.readAll();
    ring.current = ring.parse(1);
    return ring;
  }

  public Snapshot current() {
    return current;
  }

  /**
   * Reads the key files again and installs them when their content changed. A broken file keeps the
   * previous keys in force and is logged. Returns true when new keys were installed.
   */
  public synchronized boolean reload() {
    try {
      String content = readAll();
      if (content.equals(loadedContent)) {
        return false;
      }
      Snapshot next = parse(current.version() + 1);
      loadedContent = content;
      current = next;
      LOG.info("Token keys reloaded: {} verification keys, version {}",
          next.verificationKeys().size() + next.jwks().size(), next.version());
      return true;
    } catch (ConfigException e) {
      LOG.error("Token keys not reloaded, the previous keys stay in force: {}", e.getMessage());
      return false;
    }
  }

  private String readAll() {
    StringBuilder content = new StringBuilder();
    List<Path> files = new ArrayList<>(settings.publicKeys());
    if (settings.signingKey() != null) {
      files.add(settings.signingKey());
    }
    for (Path file : files) {
      try {
        content.append(file).append('\n').append(Files.readString(file, StandardCharsets.US_ASCII)).append('\n');
      } catch (IOException e) {
        throw new ConfigException("token key file " + file + " cannot be read: " + e.getMessage());
      }
    }
    return content.toString();
  }

  private Snapshot parse(long version) {
    List<PubSecKeyOptions> keys = new ArrayList<>();
    List<JsonObject> jwks = new ArrayList<>();
    List<VerificationKey> publicKeys = new ArrayList<>();
    if (settings.allows(TokenService.HS256)) {
      keys.add(new PubSecKeyOptions().setAlgorithm(TokenService.HS256).setBuffer(Buffer.buffer(settings.secret())));
    }
    for (Path file : settings.publicKeys()) {
      String text = read(file);
      if (file.getFileName().toString().endsWith(".json")) {
        for (JsonObject jwk : jwksIn(file, text)) {
          jwks.add(jwk);
          publicKeys.add(new VerificationKey(jwk.getString("kid"), jwk.getString("alg"), toPublicKey(file, jwk)));
        }
      } else {
        PublicKey key = pemPublicKey(file, text);
        String algorithm = algorithmOf(file, key);
        String kid = thumbprint(key);
        keys.add(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(text).setId(kid));
        publicKeys.add(new VerificationKey(kid, algorithm, key));
      }
    }
    PubSecKeyOptions signing = null;
    if (settings.signingKey() != null) {
      signing = signingKey(settings.signingKey(), read(settings.signingKey()), publicKeys);
    }
    return new Snapshot(version, List.copyOf(keys), List.copyOf(jwks), signing);
  }

  private record VerificationKey(String kid, String algorithm, PublicKey key) {
  }

  private PubSecKeyOptions signingKey(Path file, String text, List<VerificationKey> publicKeys) {
    PrivateKey key = pemPrivateKey(file, text);
    for (VerificationKey candidate : publicKeys) {
      if (KeyPairs.belongTogether(key, candidate.key())) {
        return new PubSecKeyOptions().setAlgorithm(candidate.algorithm()).setBuffer(text).setId(candidate.kid());
      }
    }
    throw new ConfigException("PETS_JWT_SIGNING_KEY " + file + " matches no key in PETS_JWT_PUBLIC_KEYS: "
        + "add its public key there, so the service can verify the tokens it issues");
  }

  private List<JsonObject> jwksIn(Path file, String text) {
    List<JsonObject> keys = new ArrayList<>();
    JsonArray all;
    try {
      all = new JsonObject(text).getJsonArray("keys");
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("JWKS file " + file + " is not a JSON object with a \"keys\" array");
    }
    if (all == null) {
      throw new ConfigException("JWKS file " + file + " has no \"keys\" array");
    }
    for (int i = 0; i < all.size(); i++) {
      JsonObject jwk = all.getJsonObject(i).copy();
      if (jwk.containsKey("d") || jwk.containsKey("k")) {
        throw new ConfigException("JWKS file " + file + " key " + i + " holds private or secret material: "
            + "list public keys only");
      }
      if (jwk.getString("kid") == null) {
        throw new ConfigException("JWKS file " + file + " key " + i + " has no kid");
      }
      String algorithm = jwk.getString("alg", defaultAlgorithm(jwk));
      if (algorithm == null || !settings.allows(algorithm)) {
        LOG.warn("Skipping JWKS key {} of {}: algorithm {} is not in PETS_JWT_ALGORITHMS", jwk.getString("kid"),
            file, algorithm);
        continue;
      }
      keys.add(jwk.put("alg", algorithm).put("use", "sig"));
    }
    return keys;
  }

  private static String defaultAlgorithm(JsonObject jwk) {
    return switch (jwk.getString("kty", "")) {
      case "RSA" -> "RS256";
      case "EC" -> "P-256".equals(jwk.getString("crv")) ? "ES256" : null;
      case "OKP" -> "Ed25519".equals(jwk.getString("crv")) ? "EdDSA" : null;
      default -> null;
    };
  }

  private static PublicKey toPublicKey(Path file, JsonObject jwk) {
    try {
      return new io.vertx.ext.auth.impl.jose.JWK(jwk).publicKey();
    } catch (RuntimeException e) {
      throw new ConfigException("JWKS file " + file + " key " + jwk.getString("kid") + " is not a usable public key");
    }
  }

  private String algorithmOf(Path file, PublicKey key) {
    String algorithm;
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < 2048) {
        throw new ConfigException("token key " + file + " is an RSA key of " + rsa.getModulus().bitLength()
            + " bits: use at least 2048");
      }
      algorithm = "RS256";
    } else if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256) {
      algorithm = "ES256";
    } else if (key.getAlgorithm().equals("EdDSA") || key.getAlgorithm().equals("Ed25519")) {
      algorithm = "EdDSA";
    } else {
      throw new ConfigException("token key " + file + " is a " + key.getAlgorithm()
          + " key: use RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)");
    }
    if (!settings.allows(algorithm)) {
      throw new ConfigException("token key " + file + " is for " + algorithm + ", which PETS_JWT_ALGORITHMS ("
          + String.join(",", settings.algorithms()) + ") does not allow");
    }
    return algorithm;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException("token key file " + file + " cannot be read: " + e.getMessage());
    }
  }

  private static byte[] pemBody(Path file, String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new ConfigException("token key file " + file + " has no " + begin + " block");
    }
    String base64 = text.substring(from + begin.length(), to).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("token key file " + file + " has invalid base64 in its " + label + " block");
    }
  }

  private static PublicKey pemPublicKey(Path file, String text) {
    X509EncodedKeySpec spec = new X509EncodedKeySpec(pemBody(file, text, "PUBLIC KEY"));
    for (String type : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(type).generatePublic(spec);
      } catch (GeneralSecurityException e) {
        // Try the next key type.
      }
    }
    throw new ConfigException("token key file " + file + " is not an RSA, EC or Ed25519 public key");
  }

  private static PrivateKey pemPrivateKey(Path file, String text) {
    PrivateKey key = KeyPairs.pkcs8(pemBody(file, text, "PRIVATE KEY"));
    if (key == null) {
      throw new ConfigException("PETS_JWT_SIGNING_KEY " + file + " is not a PKCS#8 RSA, EC or Ed25519 private key");
    }
    return key;
  }

  /** Returns the RFC 7638 JWK thumbprint of {@code key}. */
  static String thumbprint(PublicKey key) {
    String canonical;
    if (key instanceof RSAPublicKey rsa) {
      canonical = "{\"e\":\"" + unsigned(rsa.getPublicExponent()) + "\",\"kty\":\"RSA\",\"n\":\""
          + unsigned(rsa.getModulus()) + "\"}";
    } else if (key instanceof ECPublicKey ec) {
      canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + coordinate(ec.getW().getAffineX())
          + "\",\"y\":\"" + coordinate(ec.getW().getAffineY()) + "\"}";
    } else {
      byte[] encoded = key.getEncoded();
      byte[] raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
      canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + BASE64URL.encodeToString(raw) + "\"}";
    }
    try {
      return BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return BASE64URL.encodeToString(bytes);
  }

  private static String coordinate(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] padded = new byte[32];
    int length = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - length, padded, 32 - length, length);
    return BASE64URL.encodeToString(padded);
  }
}
