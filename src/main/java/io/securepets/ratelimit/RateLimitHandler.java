package io.securepets.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.securepets.auth.Caller;
import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.securepets.http.ClientAddress;
import io.securepets.http.Responses;
import io.securepets.ratelimit.LimiterMetrics.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/**
 * The limiter step of the chain and its counterpart for error responses. A request that reaches the
 * step costs one Redis round trip, which checks whether the caller's token was revoked, the
 * suspicious-activity block and every window of the route. A request that fails before the step
 * costs one round trip in {@link #onError}, which counts it in the global window and, for a 401 or
 * 403, as a failed attempt. Both count their decisions in {@link LimiterMetrics}.
 */
public final class RateLimitHandler {

  /** Which windows a route is subject to, besides the global one. */
  public enum Kind { GLOBAL, LOGIN, CREATE_PET }

  private static final String PASSED_KEY = "securepets.limiter.passed";
  private static final String LOGIN_RESERVATION_KEY = "securepets.limiter.login";
  private static final String REMAINING_HEADER = "RateLimit-Remaining";

  private final RateLimiter limiter;
  private final ClientAddress clientAddress;
  private final LimiterMetrics metrics;
  private final Counter globalAdmitted;
  private final Counter globalOverLimit;
  private final Counter blocked;

  public RateLimitHandler(RateLimiter limiter, ClientAddress clientAddress) {
    this.limiter = limiter;
    this.clientAddress = clientAddress;
    this.metrics = limiter.state().metrics();
    String global = limiter.state().windows().global().name();
    this.globalAdmitted = metrics.decision(global, Outcome.ADMITTED);
    this.globalOverLimit = metrics.decision(global, Outcome.OVER_LIMIT);
    this.blocked = metrics.decision(LimiterMetrics.SUSPICIOUS_ACTIVITY, Outcome.BLOCKED);
  }

  /**
   * A route's windows, the last one being the route's own limit, and the counters of its decisions,
   * looked up once when the route is built.
   */
  private record Step(List<Window> windows, Counter admitted, Counter[] overLimit) {

    static Step of(List<Window> windows, LimiterMetrics metrics) {
      Counter admitted = metrics.decision(windows.get(windows.size() - 1).name(), Outcome.ADMITTED);
      Counter[] overLimit = windows.stream()
          .map(window -> metrics.decision(window.name(), Outcome.OVER_LIMIT))
          .toArray(Counter[]::new);
      return new Step(windows, admitted, overLimit);
    }
  }

  /** Returns the chain step for a route of {@code kind}. */
  public Handler<RoutingContext> step(Kind kind) {
    LimiterState.Windows all = limiter.state().windows();
    List<Window> windows = switch (kind) {
      case GLOBAL -> List.of(all.global());
      case LOGIN -> List.of(all.global(), all.login());
      case CREATE_PET -> List.of(all.global(), all.createPet());
    };
    Step step = Step.of(windows, metrics);
    return ctx -> admit(ctx, step);
  }

  private void admit(RoutingContext ctx, Step step) {
    List<Window> windows = step.windows();
    String clientId = clientId(ctx);
    String member = Responses.requestId(ctx);
    Caller caller = Caller.of(ctx);
    List<String> revocations = caller == null ? List.of() : Revocations.namesFor(caller);
    limiter.admit(clientId, revocations, windows, member).onComplete(result -> {
      if (result.failed()) {
        ctx.fail(result.cause());
        return;
      }
      Decision decision = result.result();
      int reported = windows.size() - 1;
      switch (decision.kind()) {
        case ADMITTED -> {
          step.admitted().increment();
          putLimitHeaders(ctx.response(), windows.get(reported), decision.remaining()[reported],
              decision.resetMs()[reported]);
          ctx.put(PASSED_KEY, Boolean.TRUE);
          if (windows.get(reported) == limiter.state().windows().login()) {
            ctx.put(LOGIN_RESERVATION_KEY, new Reservation(clientId, member));
          }
          ctx.next();
        }
        case REVOKED -> {
          SecurityEvents.emit(ctx, "AUTH_FAILED", new JsonObject().put("reason", "token revoked"));
          ctx.fail(ApiException.invalidToken("Token revoked"));
        }
        case BLOCKED -> {
          blocked.increment();
          SecurityEvents.emit(ctx, "RATE_LIMITED", new JsonObject().put("limiter", "suspicious-activity"));
          ctx.fail(tooManyFailedAttempts(decision.waitMs()));
        }
        case OVER_LIMIT -> {
          step.overLimit()[decision.rejectedWindow()].increment();
          Window full = windows.get(decision.rejectedWindow());
          putLimitHeaders(ctx.response(), full, 0, decision.waitMs());
          SecurityEvents.emit(ctx, "RATE_LIMITED", new JsonObject().put("limiter", full.name()));
          ctx.fail(tooManyRequests(decision.waitMs()));
        }
        default -> throw new IllegalStateException("unknown decision " + decision.kind());
      }
    });
  }

  private record Reservation(String clientId, String member) {
  }

  /**
   * Removes this request's failed-login reservation after a successful login, since only failed
   * attempts count against the login limit. The RateLimit-Remaining header, written when the attempt
   * was admitted and counted, gets the released slot back.
   */
  public Future<Void> releaseLoginAttempt(RoutingContext ctx) {
    Reservation reservation = ctx.get(LOGIN_RESERVATION_KEY);
    if (reservation == null) {
      return Future.succeededFuture();
    }
    return limiter.release(reservation.clientId(), limiter.state().windows().login(), reservation.member())
        .onSuccess(released -> returnSlotToHeader(ctx.response()))
        .otherwiseEmpty();
  }

  private static void returnSlotToHeader(HttpServerResponse response) {
    String remaining = response.headers().get(REMAINING_HEADER);
    if (remaining != null && !response.headWritten()) {
      response.putHeader(REMAINING_HEADER, Long.toString(Long.parseLong(remaining) + 1));
    }
  }

  /**
   * Records an error response on a /v1/ route before it is written. Returns the error to send: the
   * same one, or a 429 when the client is blocked or over the global limit. A request that failed
   * before the limiter step counts here as a decision of the global window. A request that passed
   * the step was counted there, so it counts again only when this turns it into a 429.
   */
  public Future<ApiException> onError(RoutingContext ctx, ApiException error) {
    boolean failedAttempt = error.status() == 401 || error.status() == 403;
    boolean counted = Boolean.TRUE.equals(ctx.get(PASSED_KEY));
    if (!ctx.request().path().startsWith("/v1/") || error.status() == 429 || (counted && !failedAttempt)) {
      return Future.succeededFuture(error);
    }
    return limiter.record(clientId(ctx), failedAttempt, !counted, Responses.requestId(ctx)).map(record -> {
      switch (record.kind()) {
        case BLOCK_STARTED -> {
          metrics.blockStarted();
          if (!counted) {
            globalAdmitted.increment();
          }
          SecurityEvents.emit(ctx, "SUSPICIOUS_ACTIVITY", new JsonObject()
              .put("failures", limiter.state().windows().suspicious().limit() + 1)
              .put("blockedSeconds", seconds(record.waitMs())));
          return error;
        }
        case BLOCKED -> {
          blocked.increment();
          SecurityEvents.emit(ctx, "RATE_LIMITED", new JsonObject().put("limiter", "suspicious-activity"));
          return tooManyFailedAttempts(record.waitMs());
        }
        case OVER_LIMIT -> {
          globalOverLimit.increment();
          SecurityEvents.emit(ctx, "RATE_LIMITED", new JsonObject().put("limiter", "global"));
          return tooManyRequests(record.waitMs());
        }
        default -> {
          if (!counted) {
            globalAdmitted.increment();
          }
          return error;
        }
      }
    });
  }

  private String clientId(RoutingContext ctx) {
    Caller caller = Caller.of(ctx);
    return caller != null ? "u:" + caller.userId() : "ip:" + clientAddress.resolve(ctx).limiterKey();
  }

  private static void putLimitHeaders(HttpServerResponse response, Window window, long remaining, long resetMs) {
    response.putHeader("RateLimit-Limit", Integer.toString(window.limit()));
    response.putHeader(REMAINING_HEADER, Long.toString(Math.max(0, remaining)));
    response.putHeader("RateLimit-Reset", Long.toString(seconds(resetMs)));
  }

  /** Rounds milliseconds up to whole seconds, at least 1. */
  static long seconds(long millis) {
    return Math.max(1, (millis + 999) / 1000);
  }

  private static ApiException tooManyRequests(long waitMs) {
    return new ApiException(429, new JsonObject().put("error", "Too many requests"),
        Map.of("Retry-After", Long.toString(seconds(waitMs))));
  }

  private static ApiException tooManyFailedAttempts(long waitMs) {
    return new ApiException(429, new JsonObject().put("error", "Too many failed attempts"),
        Map.of("Retry-After", Long.toString(seconds(waitMs))));
  }
}
