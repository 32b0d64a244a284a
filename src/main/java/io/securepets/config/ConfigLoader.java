package io.securepets.config;

import io.securepets.net.IpAddresses;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds {@link AppConfig} from three layers, each overriding the one before: built-in defaults, the
 * nested JSON config file ({@code PETS_CONFIG}, else {@code conf/config.json} when it exists), then
 * {@code PETS_*} environment variables. Every error names the setting, the value and the fix.
 */
public final class ConfigLoader {

  static final String DEFAULT_FILE = "conf/config.json";
  private static final int MIN_SECRET_BYTES = 32;
  /**
   * Minimum number of different characters in a secret. A random base64 secret of 32 characters has about
   * 25; repeated or patterned text has far fewer.
   */
  private static final int MIN_SECRET_DISTINCT_CHARS = 12;
  /** Token algorithms the service can verify; "none" and the HS384/HS512 variants are deliberately absent. */
  static final List<String> ALGORITHMS = List.of("HS256", "RS256", "ES256", "EdDSA");

  private final Map<String, String> environment;

  public ConfigLoader(Map<String, String> environment) {
    this.environment = environment;
  }

  /** Loads the configuration for serving, which requires the TLS files, the secret, the database and Redis. */
  public AppConfig loadForServer() {
    AppConfig config = build(readLayers());
    requireFile(config.tlsCert(), "PETS_TLS_CERT", "a PEM certificate chain");
    requireFile(config.tlsKey(), "PETS_TLS_KEY", "a PEM private key");
    if (config.httpPort() == config.httpsPort()) {
      throw new ConfigException("PETS_HTTP_PORT and PETS_HTTPS_PORT are both " + config.httpsPort()
          + ": give the redirect listener another port, or 0 to turn it off");
    }
    if (config.jwt().secret() == null) {
      throw new ConfigException("PETS_JWT_SECRET is missing: set it to a random value of at least "
          + MIN_SECRET_BYTES + " bytes, for example the output of 'openssl rand -base64 48'");
    }
    if (config.database() == null) {
      throw new ConfigException("PETS_PG_URL is missing: set it to postgresql://user:password@host:port/database");
    }
    requireVerificationKeys(config.jwt());
    if (config.redis().url() == null) {
      throw new ConfigException("PETS_REDIS_URL is missing: set it to redis://host:port/db");
    }
    return config;
  }

  /** Loads the configuration for the command line tools, which need only the database. */
  public AppConfig loadForCommands() {
    AppConfig config = build(readLayers());
    if (config.database() == null) {
      throw new ConfigException("PETS_PG_URL is missing: set it to postgresql://user:password@host:port/database");
    }
    return config;
  }

  private Map<String, Object> readLayers() {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Setting setting : Settings.ALL) {
      values.put(setting.env(), setting.defaultValue());
    }
    readFile(values);
    for (Setting setting : Settings.ALL) {
      String value = environment.get(setting.env());
      if (value != null) {
        values.put(setting.env(), value);
      }
    }
    return values;
  }

  private void readFile(Map<String, Object> values) {
    String named = environment.get("PETS_CONFIG");
    Path file = Path.of(named != null && !named.isBlank() ? named : DEFAULT_FILE);
    if (!Files.exists(file)) {
      if (named != null && !named.isBlank()) {
        throw new ConfigException("PETS_CONFIG names " + file + ", which does not exist");
      }
      return;
    }
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException | DecodeException e) {
      throw new ConfigException("config file " + file + " is not a readable JSON object: fix or remove it");
    }
    Map<String, String> envByPath = new LinkedHashMap<>();
    Settings.ALL.forEach(setting -> envByPath.put(setting.path(), setting.env()));
    flatten("", json, (path, value) -> {
      String env = envByPath.get(path);
      if (env == null) {
        throw new ConfigException("config file " + file + ": unknown setting '" + path
            + "'; the known settings are listed in the README");
      }
      if (value != null) {
        values.put(env, value);
      }
    });
  }

  private interface Visitor {
    void visit(String path, Object value);
  }

  private static void flatten(String prefix, JsonObject json, Visitor visitor) {
    for (String key : json.fieldNames()) {
      Object value = json.getValue(key);
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      if (value instanceof JsonObject nested) {
        flatten(path, nested, visitor);
      } else {
        visitor.visit(path, value);
      }
    }
  }

  private AppConfig build(Map<String, Object> values) {
    requireKnownLogFormat();
    Reader reader = new Reader(values);
    AppConfig.Environment mode = reader.environment();
    int instances = reader.integer("PETS_INSTANCES", 0, 1024);
    return new AppConfig(
        mode,
        reader.text("PETS_HOST"),
        reader.port("PETS_HTTPS_PORT", false),
        reader.port("PETS_HTTP_PORT", true),
        reader.origin("PETS_PUBLIC_ORIGIN"),
        reader.path("PETS_TLS_CERT"),
        reader.path("PETS_TLS_KEY"),
        reader.tlsEngine(),
        reader.database(),
        new AppConfig.Redis(reader.optionalRedisUrl(), reader.text("PETS_REDIS_KEY_PREFIX")),
        new AppConfig.Jwt(reader.secret(), reader.text("PETS_JWT_ISSUER"), reader.text("PETS_JWT_AUDIENCE"),
            reader.integer("PETS_JWT_TTL_SECONDS", 1, 86_400),
            reader.integer("PETS_REFRESH_TTL_SECONDS", 60, 31_536_000),
            reader.algorithms("PETS_JWT_ALGORITHMS"),
            reader.list("PETS_JWT_PUBLIC_KEYS").stream().map(Path::of).toList(),
            reader.path("PETS_JWT_SIGNING_KEY"),
            reader.integer("PETS_JWT_KEYS_RELOAD_SECONDS", 0, 86_400)),
        reader.cidrs("PETS_TRUSTED_PROXIES"),
        instances == 0 ? Runtime.getRuntime().availableProcessors() : instances,
        reader.integer("PETS_MAX_IN_FLIGHT", 1, 1_000_000),
        reader.origins("PETS_CORS_ORIGINS"),
        reader.text("PETS_CONTENT_SECURITY_POLICY"),
        new AppConfig.Limits(
            reader.window("PETS_LIMIT_GLOBAL", "PETS_LIMIT_GLOBAL_WINDOW_SECONDS"),
            reader.window("PETS_LIMIT_LOGIN", "PETS_LIMIT_LOGIN_WINDOW_SECONDS"),
            reader.window("PETS_LIMIT_CREATE_PET", "PETS_LIMIT_CREATE_PET_WINDOW_SECONDS"),
            reader.window("PETS_SUSPICIOUS_THRESHOLD", "PETS_SUSPICIOUS_WINDOW_SECONDS")),
        reader.integer("PETS_SHUTDOWN_GRACE_SECONDS", 0, 3600),
        new AppConfig.Management(reader.text("PETS_MANAGEMENT_HOST"), reader.port("PETS_MANAGEMENT_PORT", true)),
        reader.integer("PETS_IDLE_TIMEOUT_SECONDS", 1, 3600),
        reader.integer("PETS_REQUEST_HEAD_TIMEOUT_SECONDS", 1, 3600));
  }

  /**
   * Rejects a token configuration that could accept no token or sign none: an asymmetric algorithm
   * in the allowlist needs public keys, and login needs a signing key unless HS256 is allowed.
   */
  private static void requireVerificationKeys(AppConfig.Jwt jwt) {
    boolean asymmetric = jwt.algorithms().stream().anyMatch(algorithm -> !algorithm.equals("HS256"));
    if (asymmetric && jwt.publicKeys().isEmpty()) {
      throw new ConfigException("PETS_JWT_PUBLIC_KEYS is missing: PETS_JWT_ALGORITHMS allows "
          + String.join(",", jwt.algorithms()) + ", so list the PEM public keys or a JWKS file that verify them");
    }
    for (Path key : jwt.publicKeys()) {
      if (!Files.isReadable(key)) {
        throw new ConfigException("PETS_JWT_PUBLIC_KEYS names " + key + ", which is not a readable file");
      }
    }
    if (!jwt.allows("HS256") && jwt.signingKey() == null) {
      throw new ConfigException("PETS_JWT_SIGNING_KEY is missing: PETS_JWT_ALGORITHMS has no HS256, so login "
          + "needs a private PEM key to sign tokens with");
    }
    if (jwt.signingKey() != null && !Files.isReadable(jwt.signingKey())) {
      throw new ConfigException("PETS_JWT_SIGNING_KEY names " + jwt.signingKey() + ", which is not a readable file");
    }
  }

  /**
   * Rejects a PETS_LOG_FORMAT other than json or text. Logback reads the variable itself, before
   * this check, and falls back to JSON for any value but text, so a typo would otherwise pass unseen.
   */
  private void requireKnownLogFormat() {
    String format = environment.get("PETS_LOG_FORMAT");
    if (format != null && !format.equals("json") && !format.equals("text")) {
      throw new ConfigException("PETS_LOG_FORMAT is '" + format + "': use json (the default) or text");
    }
  }

  private static void requireFile(Path path, String name, String what) {
    if (path == null) {
      throw new ConfigException(name + " is missing: the server needs " + what
          + " (certs/README.md shows how to make one)");
    }
    if (!Files.isReadable(path)) {
      throw new ConfigException(name + " names " + path + ", which is not a readable file");
    }
  }

  /** Typed access to the merged values; every failure names the setting and the rejected value. */
  private static final class Reader {
    private final Map<String, Object> values;

    Reader(Map<String, Object> values) {
      this.values = values;
    }

    private String raw(String name) {
      Object value = values.get(name);
      return value == null ? null : value.toString().trim();
    }

    String text(String name) {
      String value = raw(name);
      if (value == null || value.isEmpty()) {
        throw new ConfigException(name + " is empty: set it or remove it to use the default");
      }
      return value;
    }

    AppConfig.TlsEngine tlsEngine() {
      String value = text("PETS_TLS_ENGINE").toLowerCase(Locale.ROOT);
      return switch (value) {
        case "auto" -> AppConfig.TlsEngine.AUTO;
        case "openssl" -> AppConfig.TlsEngine.OPENSSL;
        case "jdk" -> AppConfig.TlsEngine.JDK;
        default -> throw new ConfigException("PETS_TLS_ENGINE is '" + value + "': use auto, openssl or jdk");
      };
    }

    AppConfig.Environment environment() {
      String value = text("PETS_ENV").toLowerCase(Locale.ROOT);
      return switch (value) {
        case "production" -> AppConfig.Environment.PRODUCTION;
        case "development" -> AppConfig.Environment.DEVELOPMENT;
        default -> throw new ConfigException("PETS_ENV is '" + value + "': use production or development");
      };
    }

    int integer(String name, int min, int max) {
      String value = raw(name);
      try {
        // Integer.parseInt also accepts non-ASCII digits such as the fullwidth '８'.
        if (value != null && !value.matches("[+-]?[0-9]+")) {
          throw new NumberFormatException();
        }
        int parsed = Integer.parseInt(value);
        if (parsed < min || parsed > max) {
          throw new NumberFormatException();
        }
        return parsed;
      } catch (NumberFormatException | NullPointerException e) {
        throw new ConfigException(name + " is '" + value + "': expected an integer from " + min + " to " + max);
      }
    }

    int port(String name, boolean zeroTurnsOff) {
      return integer(name, zeroTurnsOff ? 0 : 1, 65_535);
    }

    Path path(String name) {
      String value = raw(name);
      return value == null || value.isEmpty() ? null : Path.of(value);
    }

    URI origin(String name) {
      String value = text(name);
      try {
        URI uri = new URI(value);
        boolean plainOrigin = "https".equals(uri.getScheme()) && uri.getHost() != null
            && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
            && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (!plainOrigin) {
          throw new URISyntaxException(value, "not an https origin");
        }
        return uri;
      } catch (URISyntaxException e) {
        throw new ConfigException(name + " is '" + value
            + "': expected an https origin without path, such as https://api.example.com");
      }
    }

    byte[] secret() {
      String value = raw("PETS_JWT_SECRET");
      if (value == null || value.isEmpty()) {
        return null;
      }
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new ConfigException("PETS_JWT_SECRET is too short (" + bytes.length + " bytes): use at least "
            + MIN_SECRET_BYTES + " bytes, for example the output of 'openssl rand -base64 48'");
      }
      long distinct = value.chars().distinct().count();
      if (distinct < MIN_SECRET_DISTINCT_CHARS) {
        throw new ConfigException("PETS_JWT_SECRET is weak (only " + distinct + " different characters): use a "
            + "random value, for example the output of 'openssl rand -base64 48'");
      }
      return bytes;
    }

    List<String> list(String name) {
      Object value = values.get(name);
      List<String> items = new ArrayList<>();
      if (value instanceof JsonArray array) {
        array.forEach(item -> items.add(String.valueOf(item).trim()));
      } else if (value != null) {
        Arrays.stream(value.toString().split(",")).map(String::trim).forEach(items::add);
      }
      items.removeIf(String::isEmpty);
      return List.copyOf(items);
    }

    List<String> algorithms(String name) {
      List<String> algorithms = list(name);
      if (algorithms.isEmpty()) {
        throw new ConfigException(name + " is empty: list at least one of " + String.join(", ", ALGORITHMS));
      }
      for (String algorithm : algorithms) {
        if (!ALGORITHMS.contains(algorithm)) {
          throw new ConfigException(name + " contains '" + algorithm + "': use only " + String.join(", ", ALGORITHMS));
        }
      }
      return algorithms;
    }

    List<IpAddresses.Cidr> cidrs(String name) {
      List<IpAddresses.Cidr> ranges = new ArrayList<>();
      for (String item : list(name)) {
        IpAddresses.Cidr range = IpAddresses.Cidr.parse(item);
        if (range == null) {
          throw new ConfigException(name + " contains '" + item
              + "': list IP addresses or CIDR ranges such as 10.0.0.0/8 or 2001:db8::/32");
        }
        ranges.add(range);
      }
      return List.copyOf(ranges);
    }

    List<String> origins(String name) {
      List<String> origins = list(name);
      for (String origin : origins) {
        if ("*".equals(origin) || !origin.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?")) {
          throw new ConfigException(name + " contains '" + origin
              + "': list exact origins such as https://app.example.com, never *");
        }
      }
      return origins;
    }

    AppConfig.Window window(String requestsName, String windowName) {
      return new AppConfig.Window(integer(requestsName, 1, 1_000_000_000), integer(windowName, 1, 86_400));
    }

    String optionalRedisUrl() {
      String value = raw("PETS_REDIS_URL");
      if (value == null || value.isEmpty()) {
        return null;
      }
      if (!value.startsWith("redis://") && !value.startsWith("rediss://")) {
        throw new ConfigException("PETS_REDIS_URL must start with redis:// or rediss://");
      }
      return value;
    }

    AppConfig.Database database() {
      String value = raw("PETS_PG_URL");
      if (value == null || value.isEmpty()) {
        return null;
      }
      String problem = "PETS_PG_URL is not of the form postgresql://user:password@host:port/database";
      URI uri;
      try {
        uri = new URI(value);
      } catch (URISyntaxException e) {
        throw new ConfigException(problem);
      }
      String scheme = uri.getScheme();
      if (!("postgresql".equals(scheme) || "postgres".equals(scheme)) || uri.getHost() == null) {
        throw new ConfigException(problem);
      }
      String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
      String user = "postgres";
      String password = null;
      if (uri.getRawUserInfo() != null) {
        String[] parts = uri.getRawUserInfo().split(":", 2);
        user = decode(parts[0]);
        password = parts.length > 1 ? decode(parts[1]) : null;
      }
      return new AppConfig.Database(value, uri.getHost(), uri.getPort() == -1 ? 5432 : uri.getPort(),
          path.isEmpty() ? user : decode(path), user, password, integer("PETS_PG_POOL_SIZE", 2, 512));
    }

    private static String decode(String text) {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
  }
}
