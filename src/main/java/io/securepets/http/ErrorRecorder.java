package io.securepets.http;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/** Sees every error response before it is written, and may replace it (the rate limiter turns some into 429). */
@FunctionalInterface
public interface ErrorRecorder {

  Future<ApiException> record(RoutingContext ctx, ApiException error);
}
