package io.securepets.auth;

import io.securepets.config.AppConfig;
import io.securepets.http.ApiException;
import io.securepets.validation.StrictJson;
import io.securepets.validation.Uuids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Issues and verifies bearer tokens. On verification the header is checked here first (algorithm in
 * PETS_JWT_ALGORITHMS, exact spelling, no critical or key-carrying headers), vertx-auth-jwt then
 * checks the signature against the configured keys only, chosen by algorithm and kid, and the
 * claims are checked here so that each rejection has its own short reason. One instance serves one
 * verticle, so it runs on one event loop only and its cache needs no locking.
 */
public final class TokenService {

  public static final String HS256 = "HS256";
  /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}, in seconds. */
  public static final int LEEWAY_SECONDS = 30;
  static final int MAX_TOKEN_CHARS = 4096;
  /** Verified tokens remembered per instance; at about 1 KiB each, this bounds the cache near 10 MiB. */
  static final int VERIFIED_TOKEN_CACHE_SIZE = 10_000;

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Set<String> REJECTED_HEADERS = Set.of("crit", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256");

  /** Tokens whose signature and claims were verified; only time claims are checked on a hit. */
  private final Map<String, VerifiedToken> verified = new LruMap<>(VERIFIED_TOKEN_CACHE_SIZE);
  private final Vertx vertx;
  private final KeyRing keys;
  private final AppConfig.Jwt settings;
  private final String issuer;
  private final String audience;
  private final int ttlSeconds;
  private long keysVersion;
  private JWTAuth signatureCheck;
  private JWTAuth signer;
  private String signingAlgorithm;

  public TokenService(Vertx vertx, AppConfig.Jwt settings, KeyRing keys) {
    this.vertx = vertx;
    this.keys = keys;
    this.settings = settings;
    this.issuer = settings.issuer();
    this.audience = settings.audience();
    this.ttlSeconds = settings.ttlSeconds();
    refreshKeys();
  }

  /**
   * Rebuilds the verifier and the signer when the key ring has a new version. Tokens verified under
   * the old keys are forgotten, so a key removed from the files stops working at once.
   */
  private void refreshKeys() {
    KeyRing.Snapshot snapshot = keys.current();
    if (snapshot.version() == keysVersion) {
      return;
    }
    // Expiry, issuer and audience are left to verifyClaims, so the library checks only the signature.
    JWTAuthOptions verification = new JWTAuthOptions()
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true).setLeeway(LEEWAY_SECONDS));
    snapshot.verificationKeys().forEach(verification::addPubSecKey);
    snapshot.jwks().forEach(verification::addJwk);
    signatureCheck = JWTAuth.create(vertx, verification);
    PubSecKeyOptions signingKey = snapshot.signingKey() != null ? snapshot.signingKey()
        : new PubSecKeyOptions().setAlgorithm(HS256).setBuffer(Buffer.buffer(settings.secret()));
    signingAlgorithm = signingKey.getAlgorithm();
    signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(signingKey));
    verified.clear();
    keysVersion = snapshot.version();
  }

  private record VerifiedToken(Map<String, Object> claims, Caller caller) {
  }

  /** A map that drops its least recently used entry once it contains {@code capacity} entries. */
  private static final class LruMap<K, V> extends LinkedHashMap<K, V> {
    private final int capacity;

    LruMap(int capacity) {
      super(16, 0.75f, true);
      this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
      return size() > capacity;
    }
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  /**
   * Signs a new access token for {@code userId} with the contract's claims, plus {@code fam}, the
   * login family that logout and refresh-token reuse revoke together.
   */
  public String issue(UUID userId, Collection<String> scopes, UUID familyId) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject claims = new JsonObject()
        .put("sub", userId.toString())
        .put("scope", String.join(" ", scopes))
        .put("iss", issuer)
        .put("aud", audience)
        .put("iat", now)
        .put("exp", now + ttlSeconds)
        .put("jti", UUID.randomUUID().toString())
        .put("fam", familyId.toString());
    refreshKeys();
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(signingAlgorithm));
  }

  /**
   * Verifies {@code token}; the future fails with an {@link ApiException} carrying the reason. A token
   * verified before skips the parsing and signature check, since those results cannot change for the
   * same text; its time claims are checked again on every use.
   */
  public Future<Caller> verify(String token) {
    refreshKeys();
    long now = System.currentTimeMillis() / 1000;
    VerifiedToken known = verified.get(token);
    if (known != null) {
      try {
        checkTimes(known.claims(), now);
        return Future.succeededFuture(known.caller());
      } catch (ApiException e) {
        verified.remove(token);
        return Future.failedFuture(e);
      }
    }
    Map<String, Object> claims;
    try {
      checkHeader(token);
      claims = decodeSegment(token.substring(token.indexOf('.') + 1, token.lastIndexOf('.')));
      if (claims == null) {
        throw ApiException.invalidToken("Malformed token");
      }
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    Future<User> authenticated;
    try {
      authenticated = signatureCheck.authenticate(new TokenCredentials(token))
          .recover(failure -> Future.failedFuture(ApiException.invalidToken("Invalid signature")));
    } catch (RuntimeException e) {
      // vertx-auth-jwt 5.0.7 reads exp, iat and nbf with JsonObject.getLong once the signature is
      // verified, and throws instead of failing the future when one is null or not a number.
      return Future.failedFuture(ApiException.invalidToken("Malformed token"));
    }
    return authenticated
        .map(user -> {
          Caller caller = verifyClaims(claims, now);
          verified.put(token, new VerifiedToken(claims, caller));
          return caller;
        });
  }

  private void checkHeader(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw ApiException.invalidToken("Token too long");
    }
    String[] segments = token.split("\\.", -1);
    if (segments.length < 2 || segments.length > 3) {
      throw ApiException.invalidToken("Malformed token");
    }
    Map<String, Object> header = decodeSegment(segments[0]);
    if (header == null) {
      throw ApiException.invalidToken("Malformed token");
    }
    if (!(header.get("alg") instanceof String algorithm) || !settings.allows(algorithm)) {
      throw ApiException.invalidToken("Algorithm not allowed");
    }
    for (String name : header.keySet()) {
      if (REJECTED_HEADERS.contains(name)) {
        throw ApiException.invalidToken("Unsupported token header: " + name);
      }
    }
    if (segments.length != 3 || segments[2].isEmpty()) {
      throw ApiException.invalidToken("Missing signature");
    }
    if (!SEGMENT.matcher(segments[1]).matches() || !SEGMENT.matcher(segments[2]).matches()) {
      throw ApiException.invalidToken("Malformed token");
    }
    if (!isCanonicalBase64Url(segments[2])) {
      throw ApiException.invalidToken("Malformed token");
    }
  }

  /**
   * Returns true when {@code segment} is the only unpadded base64url spelling of its bytes. The
   * decoder ignores the unused low bits of the last character, so without this check four spellings
   * of one HS256 signature verify.
   */
  private static boolean isCanonicalBase64Url(String segment) {
    try {
      return BASE64URL.encodeToString(Base64.getUrlDecoder().decode(segment)).equals(segment);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Map<String, Object> decodeSegment(String segment) {
    if (!SEGMENT.matcher(segment).matches()) {
      return null;
    }
    try {
      return StrictJson.parseObject(Base64.getUrlDecoder().decode(segment.getBytes(StandardCharsets.US_ASCII)));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  Caller verifyClaims(Map<String, Object> claims, long now) {
    checkTimes(claims, now);
    return checkIdentity(claims);
  }

  private static void checkTimes(Map<String, Object> claims, long now) {
    if (!(claims.get("exp") instanceof Number exp)) {
      throw ApiException.invalidToken("Missing exp claim");
    }
    if (now - LEEWAY_SECONDS >= exp.longValue()) {
      throw ApiException.invalidToken("Token expired");
    }
    Object notBefore = claims.get("nbf");
    if (notBefore != null && (!(notBefore instanceof Number nbf) || nbf.longValue() > now + LEEWAY_SECONDS)) {
      throw ApiException.invalidToken("Token not yet valid");
    }
    Object issuedAt = claims.get("iat");
    if (issuedAt != null && (!(issuedAt instanceof Number iat) || iat.longValue() > now + LEEWAY_SECONDS)) {
      throw ApiException.invalidToken("Token issued in the future");
    }
  }

  private Caller checkIdentity(Map<String, Object> claims) {
    if (!issuer.equals(claims.get("iss"))) {
      throw ApiException.invalidToken("Invalid issuer");
    }
    Object aud = claims.get("aud");
    boolean audienceMatches = audience.equals(aud) || (aud instanceof List<?> list && list.contains(audience));
    if (!audienceMatches) {
      throw ApiException.invalidToken("Invalid audience");
    }
    Object subject = claims.get("sub");
    if (subject == null) {
      throw ApiException.invalidToken("Missing sub claim");
    }
    UUID userId = subject instanceof String text ? Uuids.parse(text) : null;
    if (userId == null) {
      throw ApiException.invalidToken("Invalid sub claim");
    }
    Object scope = claims.get("scope");
    if (scope != null && !(scope instanceof String)) {
      throw ApiException.invalidToken("Invalid scope claim");
    }
    Object tokenId = claims.get("jti");
    Object family = claims.get("fam");
    UUID familyId = family instanceof String text ? Uuids.parse(text) : null;
    if (family != null && familyId == null) {
      throw ApiException.invalidToken("Invalid fam claim");
    }
    return new Caller(userId, Collections.unmodifiableSet(Scopes.parse((String) scope)),
        tokenId instanceof String text ? text : null, familyId, ((Number) claims.get("exp")).longValue());
  }
}
