package io.securepets.support;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Settings for a server of a test's own: the shared test server's settings with new ports and a new
 * Redis key prefix, so its limiter windows start empty. Tests then lower the limits they exercise.
 */
public final class ServerSettings {

  private ServerSettings() {
  }

  /** Returns a mutable copy of the shared server's settings with free ports and an unused key prefix. */
  public static Map<String, String> fresh() {
    Map<String, String> settings = new HashMap<>(TestEnvironment.get().settings());
    settings.put("PETS_HTTPS_PORT", String.valueOf(EmbeddedServices.freePort()));
    settings.put("PETS_HTTP_PORT", "0");
    settings.put("PETS_REDIS_KEY_PREFIX", newKeyPrefix());
    return settings;
  }

  /** Returns a Redis key prefix that no other server uses. */
  public static String newKeyPrefix() {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    return "pets-limiter-test-" + id + ":";
  }
}
