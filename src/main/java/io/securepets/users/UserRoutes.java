package io.securepets.users;

import io.securepets.auth.Caller;
import io.securepets.auth.Scopes;
import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.securepets.http.Outcomes;
import io.securepets.http.Responses;
import io.securepets.validation.Uuids;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** The endpoint handlers of /v1/users and /v1/admin/users. */
public final class UserRoutes {

  static final String NOT_FOUND = "User not found";
  static final String ADMIN_ONLY = "This endpoint requires one of: admin";
  /** Stands in for a malformed path id, so the admin check still runs and decides between 403 and 404. */
  private static final UUID NO_SUCH_USER = new UUID(0, 0);

  private final UserRepository users;

  public UserRoutes(UserRepository users) {
    this.users = users;
  }

  public void me(RoutingContext ctx) {
    users.findSelf(Caller.required(ctx).userId())
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, null,
            user -> Responses.json(ctx, 200, user.selfView())))
        .onFailure(ctx::fail);
  }

  /** Returns the admin, self or public view of a user, chosen by the caller's scopes and identity. */
  public void get(RoutingContext ctx) {
    Caller caller = Caller.required(ctx);
    UUID userId = Uuids.parse(ctx.pathParam("id"));
    if (userId == null) {
      ctx.fail(ApiException.notFound(NOT_FOUND));
      return;
    }
    users.find(caller.userId(), userId)
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, null, user -> {
          JsonObject view;
          if (caller.hasScope(Scopes.ADMIN_ALL)) {
            view = user.adminView();
          } else if (user.id().equals(caller.userId())) {
            view = user.selfView();
          } else {
            view = user.publicView();
          }
          Responses.json(ctx, 200, view);
        }))
        .onFailure(ctx::fail);
  }

  /** Deletes a user and their pets; the caller's admin role is read from the database. */
  public void adminDelete(RoutingContext ctx) {
    UUID parsed = Uuids.parse(ctx.pathParam("id"));
    UUID userId = parsed == null ? NO_SUCH_USER : parsed;
    users.deleteAsAdmin(Caller.required(ctx).userId(), userId)
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, ADMIN_ONLY, ignored -> {
          SecurityEvents.emit(ctx, "USER_DELETED", new JsonObject().put("deletedUserId", userId.toString()));
          Responses.noContent(ctx);
        }))
        .onFailure(ctx::fail);
  }
}
