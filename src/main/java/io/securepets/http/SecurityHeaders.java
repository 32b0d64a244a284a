package io.securepets.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The headers every HTTPS response carries, errors included, built once at start. The request id is
 * always generated here: an incoming {@code X-Request-Id} is ignored so that callers cannot choose
 * the ids that appear in logs.
 */
public final class SecurityHeaders {

  public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");

  private final MultiMap headers = HttpHeaders.headers();

  public SecurityHeaders(String contentSecurityPolicy) {
    add("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload");
    add("Content-Security-Policy", contentSecurityPolicy);
    add("X-Content-Type-Options", "nosniff");
    add("X-Frame-Options", "DENY");
    add("X-XSS-Protection", "0");
    add("Referrer-Policy", "strict-origin-when-cross-origin");
    add("Cross-Origin-Resource-Policy", "same-origin");
    add("Cross-Origin-Opener-Policy", "same-origin");
    add("X-Permitted-Cross-Domain-Policies", "none");
    add("Cache-Control", "no-store");
  }

  private void add(String name, String value) {
    headers.add(HttpHeaders.createOptimized(name), HttpHeaders.createOptimized(value));
  }

  /** Sets the fixed headers and a new request id on {@code response}, and returns that id. */
  public String apply(HttpServerResponse response) {
    String requestId = newRequestId();
    response.headers().addAll(headers);
    response.putHeader(REQUEST_ID, requestId);
    return requestId;
  }

  /** Returns a random version-4 UUID; ids need to be unique, not unpredictable, so no SecureRandom. */
  static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new java.util.UUID(high, low).toString();
  }
}
