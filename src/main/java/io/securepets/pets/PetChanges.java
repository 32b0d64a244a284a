package io.securepets.pets;

import io.vertx.core.json.JsonObject;

/** The validated fields of a create or update request; a null field is absent (left unchanged on update). */
record PetChanges(String name, String species, String breed, Integer age, Double weight, Boolean isPublic) {

  static PetChanges from(JsonObject body) {
    Number weight = body.getNumber("weight");
    // Adding 0.0 turns -0.0 into 0.0, so a weight of "-0" is stored and shown as 0.
    return new PetChanges(body.getString("name"), body.getString("species"), body.getString("breed"),
        body.getInteger("age"), weight == null ? null : weight.doubleValue() + 0.0, body.getBoolean("isPublic"));
  }
}
