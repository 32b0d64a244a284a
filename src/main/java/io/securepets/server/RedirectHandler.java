package io.securepets.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The plain-HTTP listener's only behaviour: 301 to {@code PETS_PUBLIC_ORIGIN} plus the request's path
 * and query. The target never comes from Host or X-Forwarded-Host, and any character outside the
 * RFC 3986 path and query set is percent-encoded, so the request cannot steer the redirect elsewhere.
 */
final class RedirectHandler implements Handler<HttpServerRequest> {

  private final String origin;

  RedirectHandler(URI publicOrigin) {
    String text = publicOrigin.toString();
    this.origin = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  @Override
  public void handle(HttpServerRequest request) {
    // RFC 9112 section 3.2: an HTTP/1.1 request without exactly one Host header gets 400.
    if (request.version() == HttpVersion.HTTP_1_1 && request.headers().getAll(HttpHeaders.HOST).size() != 1) {
      request.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_LENGTH, "0").end();
      return;
    }
    request.response()
        .setStatusCode(301)
        .putHeader(HttpHeaders.LOCATION, location(request.path(), request.query()))
        .putHeader(HttpHeaders.CONTENT_LENGTH, "0")
        .end();
  }

  /**
   * Returns the redirect target for a request's raw path and query. Both contain one char per byte of the
   * request line (ISO-8859-1), as Netty decodes it, so the bytes that the client sent are encoded once.
   */
  String location(String path, String query) {
    StringBuilder target = new StringBuilder(origin);
    if (path == null || !path.startsWith("/")) {
      target.append('/');
    }
    if (path != null) {
      appendEncoded(target, path, false);
    }
    if (query != null && !query.isEmpty()) {
      target.append('?');
      appendEncoded(target, query, true);
    }
    return target.toString();
  }

  private static void appendEncoded(StringBuilder target, String text, boolean query) {
    // Encoding these chars as UTF-8 would turn a raw UTF-8 byte pair such as C3 A9 into %C3%83%C2%A9.
    for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
      int c = b & 0xFF;
      if (isAllowed(c, query)) {
        target.append((char) c);
      } else {
        target.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
  }

  /** RFC 3986 pchar plus "/" (and "?" in the query); "%" is kept so existing escapes pass through. */
  private static boolean isAllowed(int c, boolean query) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return true;
    }
    return "-._~!$&'()*+,;=:@/%".indexOf(c) >= 0 || (query && c == '?');
  }
}
