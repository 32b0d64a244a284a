package io.securepets.pets;

import io.vertx.core.json.JsonObject;

/** The validated fields of a create or update request; a null field is absent (left unchanged on update). */
record PetChanges(String name, String species, String breed, Integer age, Double weight, Boolean isPublic) {

  static PetChanges from(JsonObject body) {
    Number weight = body.getNumber("weight");
    return new PetChanges(body.getString("name"), body.getString("species"), body.getString("breed"),
        body.getInteger("age"), weight == null ? null : weight.doubleValue(), body.getBoolean("isPublic"));
  }
}
