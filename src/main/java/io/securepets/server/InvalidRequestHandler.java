package io.securepets.server;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.securepets.http.Responses;
import io.securepets.http.SecurityHeaders;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Answers requests that Netty could not decode (a request line or headers over the size limits, a
 * malformed request) with the contract's JSON error and the security headers, then closes the
 * connection, since its framing can no longer be trusted.
 */
final class InvalidRequestHandler implements Handler<HttpServerRequest> {

  private final SecurityHeaders headers;

  InvalidRequestHandler(SecurityHeaders headers) {
    this.headers = headers;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String error;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      error = "URI too long";
    } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      status = 431;
      error = "Request header fields too large";
    } else {
      status = 400;
      error = "Bad request";
    }
    headers.apply(request.response());
    Responses.json(request.response(), status, new JsonObject().put("error", error).toBuffer())
        .onComplete(ignored -> request.connection().close());
  }
}
