package io.securepets.events;

import io.securepets.auth.Caller;
import io.securepets.http.ClientAddress;
import io.securepets.http.Responses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes security events as one JSON object a line through the {@code security-events} logger, which
 * logback sends to stdout. JSON encoding escapes CR, LF and every other control character, so no
 * field can start a second line. Callers pass details only; passwords, tokens, the Authorization
 * header and request bodies are never among the fields this class reads.
 */
public final class SecurityEvents {

  private static final Logger EVENTS = LoggerFactory.getLogger("security-events");
  private static final int MAX_USER_AGENT_CHARS = 256;

  private SecurityEvents() {
  }

  /** Emits {@code event} for the request in {@code ctx}, with {@code details} merged into the line. */
  public static void emit(RoutingContext ctx, String event, JsonObject details) {
    if (!EVENTS.isInfoEnabled()) {
      return;
    }
    Caller caller = Caller.of(ctx);
    String userAgent = ctx.request().getHeader("User-Agent");
    if (userAgent != null && userAgent.length() > MAX_USER_AGENT_CHARS) {
      userAgent = userAgent.substring(0, MAX_USER_AGENT_CHARS);
    }
    JsonObject line = new JsonObject()
        .put("timestamp", Instant.now().toString())
        .put("event", event)
        .put("ip", ClientAddress.of(ctx))
        .put("userId", caller == null ? null : caller.userId().toString())
        .put("endpoint", ctx.request().path())
        .put("method", ctx.request().method().name())
        .put("userAgent", userAgent)
        .put("requestId", Responses.requestId(ctx));
    if (details != null) {
      line.mergeIn(details);
    }
    EVENTS.info(line.encode());
  }

  public static void emit(RoutingContext ctx, String event) {
    emit(ctx, event, null);
  }

  /** Emits an event that belongs to no request, such as a change of the limiter's state. */
  public static void emitProcessEvent(String event, JsonObject details) {
    JsonObject line = new JsonObject()
        .put("timestamp", Instant.now().toString())
        .put("event", event)
        .put("ip", null)
        .put("userId", null)
        .put("endpoint", null)
        .put("method", null)
        .put("userAgent", null)
        .put("requestId", null);
    if (details != null) {
      line.mergeIn(details);
    }
    EVENTS.info(line.encode());
  }
}
