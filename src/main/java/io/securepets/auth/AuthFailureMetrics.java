package io.securepets.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.securepets.http.ApiException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Counts authentication failures (errors with status 401) by a reason from a fixed set, so that no
 * client-chosen text becomes a label value. They are counted before the limiter may send 429 in
 * their place. The counters are created once per process.
 */
public final class AuthFailureMetrics {

  /** The reason for a 401; the label value is the lower-case name. */
  public enum Reason {
    MISSING_CREDENTIALS, MALFORMED_HEADER, MALFORMED_TOKEN, ALGORITHM_NOT_ALLOWED, INVALID_SIGNATURE,
    EXPIRED, NOT_YET_VALID, INVALID_CLAIMS, UNKNOWN_USER, INVALID_CREDENTIALS, OTHER
  }

  /**
   * The {@code message} of each "Invalid token" body that {@link TokenService} and
   * {@link AuthenticationHandler} write, by reason. A message missing here counts as OTHER.
   */
  private static final Map<String, Reason> TOKEN_MESSAGES = Map.ofEntries(
      Map.entry("Expected one Authorization header of the form Bearer <token>", Reason.MALFORMED_HEADER),
      Map.entry("Token too long", Reason.MALFORMED_TOKEN),
      Map.entry("Malformed token", Reason.MALFORMED_TOKEN),
      Map.entry("Missing signature", Reason.MALFORMED_TOKEN),
      Map.entry("Algorithm not allowed", Reason.ALGORITHM_NOT_ALLOWED),
      Map.entry("Invalid signature", Reason.INVALID_SIGNATURE),
      Map.entry("Token expired", Reason.EXPIRED),
      Map.entry("Token not yet valid", Reason.NOT_YET_VALID),
      Map.entry("Token issued in the future", Reason.NOT_YET_VALID),
      Map.entry("Missing exp claim", Reason.INVALID_CLAIMS),
      Map.entry("Invalid issuer", Reason.INVALID_CLAIMS),
      Map.entry("Invalid audience", Reason.INVALID_CLAIMS),
      Map.entry("Missing sub claim", Reason.INVALID_CLAIMS),
      Map.entry("Invalid sub claim", Reason.INVALID_CLAIMS),
      Map.entry("Invalid scope claim", Reason.INVALID_CLAIMS),
      Map.entry("User no longer exists", Reason.UNKNOWN_USER));

  private static final String UNSUPPORTED_HEADER_PREFIX = "Unsupported token header: ";

  private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);

  public AuthFailureMetrics(MeterRegistry registry) {
    for (Reason reason : Reason.values()) {
      counters.put(reason, Counter.builder("securepets.auth.failures")
          .description("Authentication failures (errors with status 401), by reason")
          .tag("reason", reason.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
  }

  /** Counts {@code error} when it is a 401, and ignores every other status. */
  public void record(ApiException error) {
    if (error.status() == 401) {
      counters.get(reason(error)).increment();
    }
  }

  /** Returns the reason of a 401 from the body's {@code error} and {@code message}. */
  static Reason reason(ApiException error) {
    String kind = error.body().getString("error");
    if ("Authentication required".equals(kind)) {
      return Reason.MISSING_CREDENTIALS;
    }
    if ("Invalid credentials".equals(kind)) {
      return Reason.INVALID_CREDENTIALS;
    }
    if (!"Invalid token".equals(kind)) {
      return Reason.OTHER;
    }
    String message = error.body().getString("message", "");
    if (message.startsWith(UNSUPPORTED_HEADER_PREFIX)) {
      return Reason.MALFORMED_TOKEN;
    }
    return TOKEN_MESSAGES.getOrDefault(message, Reason.OTHER);
  }
}
