package io.securepets.pets;

import io.securepets.http.Timestamps;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A stored pet, and its two views: the owner's full view and the public view. */
public record Pet(UUID id, UUID ownerId, String name, String species, String breed, Integer age, Double weight,
    boolean isPublic, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  /** Reads a pet from columns named {@code pet_id}, {@code owner_id}, {@code name} and so on. */
  static Pet from(Row row) {
    return new Pet(row.getUUID("pet_id"), row.getUUID("owner_id"), row.getString("name"), row.getString("species"),
        row.getString("breed"), row.getInteger("age"), row.getDouble("weight"), row.getBoolean("is_public"),
        row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
  }

  public JsonObject ownerView() {
    return new JsonObject()
        .put("id", id.toString())
        .put("ownerId", ownerId.toString())
        .put("name", name)
        .put("species", species)
        .put("breed", breed)
        .put("age", age)
        .put("weight", weight)
        .put("isPublic", isPublic)
        .put("createdAt", Timestamps.format(createdAt))
        .put("updatedAt", Timestamps.format(updatedAt));
  }

  public JsonObject publicView() {
    return new JsonObject()
        .put("id", id.toString())
        .put("name", name)
        .put("species", species)
        .put("breed", breed)
        .put("age", age);
  }
}
