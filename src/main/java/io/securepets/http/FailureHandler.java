package io.securepets.http;

import io.securepets.auth.Caller;
import io.securepets.db.DatabaseUnavailableException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The one place that writes error responses. An {@link ApiException} is written as it is; a bare
 * status from Vert.x (such as 413 from the body reader) gets the matching contract body. A
 * {@link DatabaseUnavailableException} is a 503, logged once with the request id and without a stack
 * trace, because an outage would otherwise repeat the same trace for every request. Anything else is a
 * 500 whose body says only "Internal server error" while the cause is logged with the request id.
 * Client errors are not logged with stack traces.
 */
public final class FailureHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

  /** Message of the 503 body while PostgreSQL is unavailable. */
  static final String DATABASE_UNAVAILABLE = "The database is unavailable, retry in a few seconds";

  private final ErrorRecorder recorder;

  public FailureHandler(ErrorRecorder recorder) {
    this.recorder = recorder;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.failure() instanceof HttpClosedException) {
      // The client closed the connection before the response: nothing can be written, and nothing failed here.
      withRequest(LOG.atDebug(), ctx).log("Client closed the connection before the response");
      return;
    }
    ApiException error = toApiException(ctx);
    if (ctx.response().headWritten()) {
      LOG.atWarn()
          .addKeyValue("requestId", Responses.requestId(ctx))
          .addKeyValue("status", error.status())
          .log("Failure after the response started, closing the connection");
      ctx.request().connection().close();
      return;
    }
    recorder.record(ctx, error).onComplete(result -> write(ctx, result.succeeded() ? result.result() : error));
  }

  /**
   * Returns the handler for {@code router.errorHandler(status, ...)}. Vert.x calls it when routing
   * itself fails, for example on a path with a malformed percent-escape, often without setting the
   * context's status or failure, and ends the response with a plain-text body as soon as it returns.
   * So this handler writes the contract's body for {@code status} at once and records the error in
   * the background.
   */
  public Handler<RoutingContext> errorHandler(int status) {
    return ctx -> {
      ApiException error = ctx.failure() instanceof ApiException api ? api : forStatus(status);
      if (error == null) {
        error = toApiException(ctx);
      }
      if (!ctx.response().headWritten()) {
        write(ctx, error);
      }
      recorder.record(ctx, error);
    };
  }

  private static void write(RoutingContext ctx, ApiException error) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      return;
    }
    error.headers().forEach(response::putHeader);
    Responses.json(ctx, error.status(), error.body());
  }

  private static ApiException toApiException(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException api) {
      return api;
    }
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    ApiException known = forStatus(status);
    if (known != null) {
      return known;
    }
    if (failure instanceof DatabaseUnavailableException unavailable) {
      withRequest(LOG.atWarn(), ctx)
          .addKeyValue("error", unavailable.getMessage())
          .log("PostgreSQL is unavailable, responding 503");
      return ApiException.serviceUnavailable(DATABASE_UNAVAILABLE);
    }
    withRequest(LOG.atError(), ctx)
        .setCause(failure)
        .log("Unhandled failure");
    return new ApiException(500, new JsonObject().put("error", "Internal server error"));
  }

  /**
   * Returns the status that this handler writes for the failure of {@code ctx}, for handlers that run
   * before it, such as the one that emits PET_CREATE_FAILED.
   */
  public static int status(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException api) {
      return api.status();
    }
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    if (forStatus(status) != null) {
      return status;
    }
    return failure instanceof DatabaseUnavailableException ? 503 : 500;
  }

  private static LoggingEventBuilder withRequest(LoggingEventBuilder event, RoutingContext ctx) {
    Caller caller = Caller.of(ctx);
    return event
        .addKeyValue("requestId", Responses.requestId(ctx))
        .addKeyValue("userId", caller == null ? null : caller.userId().toString())
        .addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", ctx.request().path());
  }

  /** Maps a status that Vert.x raised by itself to the contract's body, or returns null for a 500. */
  static ApiException forStatus(int status) {
    return switch (status) {
      case 400 -> ApiException.badRequest("Bad request", "The request could not be parsed");
      // CorsHandler fails with a bare 403 when the Origin header names an origin outside PETS_CORS_ORIGINS.
      case 403 -> ApiException.accessDenied("Origin not allowed");
      case 404 -> ApiException.notFound("Not found");
      case 413 -> ApiException.payloadTooLarge(JsonBody.MAX_BYTES);
      case 415 -> ApiException.unsupportedMediaType();
      case 417 -> new ApiException(417, new JsonObject().put("error", "Expectation failed"));
      default -> null;
    };
  }
}
