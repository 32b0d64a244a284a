package io.securepets.pets;

import io.securepets.auth.Caller;
import io.securepets.events.SecurityEvents;
import io.securepets.http.ApiException;
import io.securepets.http.FailureHandler;
import io.securepets.http.JsonBody;
import io.securepets.http.Outcomes;
import io.securepets.http.Responses;
import io.securepets.validation.Cursors;
import io.securepets.validation.PageRequest;
import io.securepets.validation.Uuids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.function.Function;

/** The endpoint handlers of /v1/pets and /v1/public/pets; the chain before them is built in ApiRouter. */
public final class PetRoutes {

  static final String NOT_FOUND = "Pet not found";
  static final String NOT_OWNER = "You do not own this pet";

  private final PetRepository pets;
  private final Cursors cursors;

  public PetRoutes(PetRepository pets, Cursors cursors) {
    this.pets = pets;
    this.cursors = cursors;
  }

  public void listOwn(RoutingContext ctx) {
    Caller caller = Caller.required(ctx);
    String listName = "own:" + caller.userId();
    PageRequest page = PageRequest.parse(ctx, cursors, listName);
    pets.listOwn(caller.userId(), page).onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, NOT_OWNER,
        result -> Responses.json(ctx, 200, pageBody(result, listName, Pet::ownerView)))).onFailure(ctx::fail);
  }

  public void listPublic(RoutingContext ctx) {
    PageRequest page = PageRequest.parse(ctx, cursors, "public");
    pets.listPublic(page)
        .map(result -> pageBody(result, "public", Pet::publicView))
        .onSuccess(body -> Responses.json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  private JsonObject pageBody(PetRepository.Page page, String listName, Function<Pet, JsonObject> view) {
    JsonArray items = new JsonArray();
    page.items().forEach(pet -> items.add(view.apply(pet)));
    String next = page.last() == null ? null
        : cursors.encode(new Cursors.Position(page.last().createdAt().toInstant(), page.last().id()), listName);
    return new JsonObject().put("items", items).put("nextCursor", next);
  }

  public void create(RoutingContext ctx) {
    Caller caller = Caller.required(ctx);
    pets.create(caller.userId(), PetChanges.from(JsonBody.validated(ctx)))
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, NOT_OWNER, pet -> {
          SecurityEvents.emit(ctx, "PET_CREATED", new JsonObject().put("petId", pet.id().toString()));
          ctx.response().putHeader("Location", "/v1/pets/" + pet.id());
          Responses.json(ctx, 201, pet.ownerView());
        }))
        .onFailure(ctx::fail);
  }

  /** Emits PET_CREATE_FAILED for any error of a create request, then passes the error on. */
  public static void createFailed(RoutingContext ctx) {
    SecurityEvents.emit(ctx, "PET_CREATE_FAILED", new JsonObject().put("status", FailureHandler.status(ctx)));
    ctx.next();
  }

  public void get(RoutingContext ctx) {
    UUID petId = petId(ctx);
    pets.findOwned(Caller.required(ctx).userId(), petId)
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, NOT_OWNER,
            pet -> Responses.json(ctx, 200, pet.ownerView())))
        .onFailure(ctx::fail);
  }

  public void update(RoutingContext ctx) {
    UUID petId = petId(ctx);
    pets.update(Caller.required(ctx).userId(), petId, PetChanges.from(JsonBody.validated(ctx)))
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, NOT_OWNER, pet -> {
          SecurityEvents.emit(ctx, "PET_UPDATED", new JsonObject().put("petId", pet.id().toString()));
          Responses.json(ctx, 200, pet.ownerView());
        }))
        .onFailure(ctx::fail);
  }

  public void delete(RoutingContext ctx) {
    UUID petId = petId(ctx);
    pets.delete(Caller.required(ctx).userId(), petId)
        .onSuccess(outcome -> Outcomes.handle(ctx, outcome, NOT_FOUND, NOT_OWNER, ignored -> {
          SecurityEvents.emit(ctx, "PET_DELETED", new JsonObject().put("petId", petId.toString()));
          Responses.noContent(ctx);
        }))
        .onFailure(ctx::fail);
  }

  /** Rejects a request whose path id is not a UUID with 404, before any database work. */
  public static void requireValidId(RoutingContext ctx) {
    if (Uuids.parse(ctx.pathParam("id")) == null) {
      ctx.fail(ApiException.notFound(NOT_FOUND));
      return;
    }
    ctx.next();
  }

  private static UUID petId(RoutingContext ctx) {
    return Uuids.parse(ctx.pathParam("id"));
  }
}
