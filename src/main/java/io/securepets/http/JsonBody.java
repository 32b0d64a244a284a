package io.securepets.http;

import io.securepets.events.SecurityEvents;
import io.securepets.validation.BodySchema;
import io.securepets.validation.StrictJson;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.Map;

/**
 * The request-body steps of the chain. {@link #reader()} runs before authentication, as Vert.x
 * requires of body handlers: it rejects a declared Content-Length above the limit before reading
 * anything (413) and stops reading a streamed body at the limit (413). {@link #validatedBy} runs after
 * authorization: media type (415), strict parsing (400) and the schema (422). The validated body is
 * stored on the context for the endpoint handler.
 */
public final class JsonBody {

  /** Largest accepted request body, in bytes. */
  public static final int MAX_BYTES = 16 * 1024;

  private static final String VALIDATED_KEY = "securepets.body";
  /** Invalid field names listed in one VALIDATION_FAILED event; a body can name hundreds. */
  private static final int MAX_LOGGED_FIELDS = 10;

  private JsonBody() {
  }

  /** Returns the handler that reads a body of at most {@link #MAX_BYTES} bytes. */
  public static BodyHandler reader() {
    return BodyHandler.create(false).setBodyLimit(MAX_BYTES);
  }

  /** Returns the handler that checks the media type, parses the body and validates it against {@code schema}. */
  public static Handler<RoutingContext> validatedBy(BodySchema schema) {
    return ctx -> validate(ctx, schema);
  }

  /** Returns the body that the chain's validation step accepted. */
  public static JsonObject validated(RoutingContext ctx) {
    return ctx.get(VALIDATED_KEY);
  }

  /** Accepts application/json with no parameter or a UTF-8 charset, in any letter case. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase("application/json")) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim().toLowerCase(Locale.ROOT).replace("\"", "");
      if (!parameter.isEmpty() && !parameter.equals("charset=utf-8")) {
        return false;
      }
    }
    return true;
  }

  private static void validate(RoutingContext ctx, BodySchema schema) {
    if (!isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
      ctx.fail(ApiException.unsupportedMediaType());
      return;
    }
    RequestBody body = ctx.body();
    byte[] bytes = body == null || body.buffer() == null ? new byte[0] : body.buffer().getBytes();
    Map<String, Object> parsed = StrictJson.parseObject(bytes);
    if (parsed == null) {
      if (StrictJson.isWellFormed(bytes)) {
        rejectInvalid(ctx, ApiException.validation("body", "must be a JSON object"));
      } else {
        rejectInvalid(ctx, ApiException.malformedJson());
      }
      return;
    }
    try {
      ctx.put(VALIDATED_KEY, schema.validate(parsed));
    } catch (ApiException e) {
      rejectInvalid(ctx, e);
      return;
    }
    ctx.next();
  }

  private static void rejectInvalid(RoutingContext ctx, ApiException rejection) {
    JsonObject details = new JsonObject().put("status", rejection.status());
    if (rejection.body().containsKey("details")) {
      details.put("fields", rejection.body().getJsonArray("details").stream()
          .map(item -> ((JsonObject) item).getString("field")).limit(MAX_LOGGED_FIELDS).toList());
    }
    SecurityEvents.emit(ctx, "VALIDATION_FAILED", details);
    ctx.fail(rejection);
  }
}
