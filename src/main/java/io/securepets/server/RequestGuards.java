package io.securepets.server;

import io.securepets.http.JsonBody;
import io.securepets.http.Responses;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;

/**
 * Checks every HTTPS request before routing, on what its head declares: a request target longer
 * than {@value #MAX_URI_CHARS} characters is 414 on every protocol (HTTP/1.1 enforces it in the
 * decoder, HTTP/2 does not), a declared body over {@link JsonBody#MAX_BYTES} is 413 before any byte
 * of it is handled, and a body sent with a method whose routes never read one (GET, HEAD, DELETE,
 * OPTIONS) is counted and the stream or connection closed once it passes the same limit.
 */
final class RequestGuards {

  /** Largest declared body that is still read and discarded after a 413, so the client reads the response. */
  static final long MAX_DRAINED_BYTES = 1024 * 1024;

  /** Longest request target accepted; Netty's HTTP/1.1 decoder rejects longer request lines too. */
  static final int MAX_URI_CHARS = 4096;

  private RequestGuards() {
  }

  /** Returns true when the request may be routed; otherwise the error response has been sent. */
  static boolean admit(HttpServerRequest request) {
    if (request.uri().length() > MAX_URI_CHARS) {
      reject(request, 414, new JsonObject().put("error", "URI too long"));
      return false;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && declaresMoreThan(length, JsonBody.MAX_BYTES)) {
      // A modest body is left for Vert.x to read past, so the client sees the 413; a huge one is cut off.
      boolean cutOff = declaresMoreThan(length, MAX_DRAINED_BYTES);
      if (cutOff) {
        request.response().putHeader(HttpHeaders.CONNECTION, "close");
      }
      Responses.json(request.response(), 413, new JsonObject().put("error", "Payload too large")
          .put("message", "Request bodies are limited to " + JsonBody.MAX_BYTES + " bytes").toBuffer())
          .onComplete(ignored -> {
            if (cutOff && !request.isEnded()) {
              closeStream(request);
            }
          });
      return false;
    }
    if (!request.isEnded() && readsNoBody(request.method())) {
      discardBoundedBody(request);
    }
    return true;
  }

  private static boolean readsNoBody(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.DELETE
        || method == HttpMethod.OPTIONS;
  }

  private static boolean declaresMoreThan(String length, long limit) {
    try {
      return Long.parseLong(length.trim()) > limit;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** Drops the body of a request whose route never reads it, and cuts it off past the size limit. */
  private static void discardBoundedBody(HttpServerRequest request) {
    long[] received = {0};
    request.handler(chunk -> {
      received[0] += chunk.length();
      if (received[0] > JsonBody.MAX_BYTES) {
        request.handler(null);
        closeStream(request);
      }
    });
  }

  private static void reject(HttpServerRequest request, int status, JsonObject body) {
    Responses.json(request.response(), status, body.toBuffer()).onComplete(ignored -> {
      if (!request.isEnded()) {
        closeStream(request);
      }
    });
  }

  /** Resets an HTTP/2 stream, or closes an HTTP/1.x connection whose framing can no longer be trusted. */
  private static void closeStream(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) {
      request.response().reset();
    } else {
      request.connection().close();
    }
  }
}
