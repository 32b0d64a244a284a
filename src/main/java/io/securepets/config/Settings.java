package io.securepets.config;

import java.util.List;

/** The table of every setting: environment variable, nested config-file path and default. */
final class Settings {

  static final List<Setting> ALL = List.of(
      new Setting("PETS_ENV", "env", "production"),
      new Setting("PETS_HOST", "host", "0.0.0.0"),
      new Setting("PETS_HTTPS_PORT", "https.port", 8443),
      new Setting("PETS_HTTP_PORT", "http.port", 8080),
      new Setting("PETS_PUBLIC_ORIGIN", "publicOrigin", "https://localhost:8443"),
      new Setting("PETS_TLS_CERT", "tls.cert", null),
      new Setting("PETS_TLS_KEY", "tls.key", null),
      new Setting("PETS_TLS_ENGINE", "tls.engine", "auto"),
      new Setting("PETS_PG_URL", "pg.url", null),
      new Setting("PETS_PG_POOL_SIZE", "pg.poolSize", 8),
      new Setting("PETS_REDIS_URL", "redis.url", null),
      new Setting("PETS_REDIS_KEY_PREFIX", "redis.keyPrefix", "pets:"),
      new Setting("PETS_JWT_SECRET", "jwt.secret", null),
      new Setting("PETS_JWT_ISSUER", "jwt.issuer", "secure-pets"),
      new Setting("PETS_JWT_AUDIENCE", "jwt.audience", "secure-pets-api"),
      new Setting("PETS_JWT_TTL_SECONDS", "jwt.ttlSeconds", 900),
      new Setting("PETS_REFRESH_TTL_SECONDS", "jwt.refreshTtlSeconds", 1_209_600),
      new Setting("PETS_JWT_ALGORITHMS", "jwt.algorithms", "HS256"),
      new Setting("PETS_JWT_PUBLIC_KEYS", "jwt.publicKeys", ""),
      new Setting("PETS_JWT_SIGNING_KEY", "jwt.signingKey", null),
      new Setting("PETS_JWT_KEYS_RELOAD_SECONDS", "jwt.keysReloadSeconds", 30),
      new Setting("PETS_TRUSTED_PROXIES", "trustedProxies", ""),
      new Setting("PETS_INSTANCES", "instances", 0),
      new Setting("PETS_MAX_IN_FLIGHT", "maxInFlight", 1024),
      new Setting("PETS_CORS_ORIGINS", "cors.origins", ""),
      new Setting("PETS_CONTENT_SECURITY_POLICY", "headers.contentSecurityPolicy",
          "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
      new Setting("PETS_LIMIT_GLOBAL", "limits.global.requests", 1000),
      new Setting("PETS_LIMIT_GLOBAL_WINDOW_SECONDS", "limits.global.windowSeconds", 900),
      new Setting("PETS_LIMIT_LOGIN", "limits.login.requests", 5),
      new Setting("PETS_LIMIT_LOGIN_WINDOW_SECONDS", "limits.login.windowSeconds", 900),
      new Setting("PETS_LIMIT_CREATE_PET", "limits.createPet.requests", 10),
      new Setting("PETS_LIMIT_CREATE_PET_WINDOW_SECONDS", "limits.createPet.windowSeconds", 60),
      new Setting("PETS_SUSPICIOUS_THRESHOLD", "suspicious.threshold", 10),
      new Setting("PETS_SUSPICIOUS_WINDOW_SECONDS", "suspicious.windowSeconds", 3600),
      new Setting("PETS_SHUTDOWN_GRACE_SECONDS", "shutdownGraceSeconds", 10),
      new Setting("PETS_MANAGEMENT_HOST", "management.host", "127.0.0.1"),
      new Setting("PETS_MANAGEMENT_PORT", "management.port", 9090),
      new Setting("PETS_IDLE_TIMEOUT_SECONDS", "idleTimeoutSeconds", 60),
      new Setting("PETS_REQUEST_HEAD_TIMEOUT_SECONDS", "requestHeadTimeoutSeconds", 20));

  private Settings() {
  }
}
