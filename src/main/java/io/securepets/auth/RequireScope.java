package io.securepets.auth;

import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Rejects a caller whose token lacks any of the required scopes with the contract's 403 body. */
public final class RequireScope implements Handler<RoutingContext> {

  private final List<String> required;

  private RequireScope(List<String> required) {
    this.required = required;
  }

  public static RequireScope of(String... scopes) {
    return new RequireScope(List.of(scopes));
  }

  @Override
  public void handle(RoutingContext ctx) {
    Caller caller = Caller.required(ctx);
    if (caller.scopes().containsAll(required)) {
      ctx.next();
      return;
    }
    SecurityEvents.emit(ctx, "AUTHZ_FAILED", new JsonObject().put("reason", "missing scope")
        .put("required", String.join(" ", required)));
    ctx.fail(ApiException.insufficientScope(required, caller.scopes()));
  }
}
