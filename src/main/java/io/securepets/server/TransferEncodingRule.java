package io.securepets.server;

import io.securepets.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Applies RFC 9112 section 6 to HTTP/1.x requests with a Transfer-Encoding header, the usual vehicle
 * of request smuggling. Netty reads such a body as chunked and ignores a Content-Length sent
 * with it, so a proxy in front that used the Content-Length would frame the next request differently.
 * The connection is therefore closed after the response, and a request that was already pipelined
 * behind it gets no response. A coding other than {@code chunked} alone leaves the body length
 * unknown, so it is a 400, after which the connection closes too. One instance serves one verticle,
 * so it runs on one event loop and needs no locking.
 */
final class TransferEncodingRule implements Handler<RoutingContext> {

  /** Connections to close after their current response, held weakly so that closed ones drop out. */
  private final Set<HttpConnection> closing = Collections.newSetFromMap(new WeakHashMap<>());

  /**
   * Closes the connection of {@code request} and returns true when an earlier request on it had a
   * Transfer-Encoding header, so that the caller drops {@code request} unanswered.
   */
  boolean dropsPipelined(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    if (!closing.contains(connection)) {
      return false;
    }
    connection.close();
    return true;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String transferEncoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    if (transferEncoding == null || request.version() == HttpVersion.HTTP_2) {
      ctx.next();
      return;
    }
    HttpConnection connection = request.connection();
    closing.add(connection);
    ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    ctx.addEndHandler(ignored -> connection.close());
    if (!transferEncoding.trim().equalsIgnoreCase("chunked")) {
      ctx.fail(ApiException.badRequest("Bad request", "Transfer-Encoding must be chunked alone"));
      return;
    }
    ctx.next();
  }
}
