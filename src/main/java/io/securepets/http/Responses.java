package io.securepets.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.ext.web.RoutingContext;

/** Writes JSON responses with the contract's content type. */
public final class Responses {

  public static final CharSequence JSON_UTF8 = HttpHeaders.createOptimized("application/json; charset=utf-8");

  /**
   * Encodes with Jackson's streaming generator. JsonObject.toBuffer() would go through Vert.x's
   * default codec, which jackson-databind on the class path turns into ObjectMapper serialization,
   * several times slower for the flat objects responses hold.
   */
  private static final JacksonCodec CODEC = new JacksonCodec();

  private Responses() {
  }

  /** Writes {@code body} as JSON, or only the headers for a HEAD request, which must not carry a body. */
  public static Future<Void> json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      return ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON_UTF8).end();
    }
    return json(ctx.response(), status, CODEC.toBuffer(body, false));
  }

  public static Future<Void> json(HttpServerResponse response, int status, Buffer body) {
    return response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON_UTF8).end(body);
  }

  public static Future<Void> noContent(RoutingContext ctx) {
    return ctx.response().setStatusCode(204).end();
  }

  /** Returns the id that {@link SecurityHeaders} gave this request. */
  public static String requestId(RoutingContext ctx) {
    return ctx.response().headers().get(SecurityHeaders.REQUEST_ID);
  }
}
