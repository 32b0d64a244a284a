package io.securepets.openapi;

import io.securepets.validation.BodySchema;
import io.securepets.validation.PageRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3.1 description of every endpoint, served at GET /openapi.json. Request bodies embed
 * the very {@link BodySchema} documents the validator enforces, so the description cannot drift from
 * the checks; the response shapes are written here next to the views they describe.
 */
public final class OpenApiDocument {

  private static final String JSON = "application/json";

  private OpenApiDocument() {
  }

  /** Builds the document from the request-body schemas in use, keyed by component name. */
  public static JsonObject build(Map<String, BodySchema> requestSchemas) {
    JsonObject schemas = responseSchemas();
    requestSchemas.forEach((name, schema) -> schemas.put(name, schema.document()));
    return new JsonObject()
        .put("openapi", "3.1.0")
        .put("info", new JsonObject()
            .put("title", "secure-pets-api")
            .put("version", "1")
            .put("description", "A hardened JSON API for pets. Every error body has an \"error\" field."))
        .put("paths", paths())
        .put("components", new JsonObject()
            .put("schemas", schemas)
            .put("securitySchemes", new JsonObject().put("bearer", new JsonObject()
                .put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT"))));
  }

  private static JsonObject paths() {
    return new JsonObject()
        .put("/health/live", new JsonObject().put("get", operation("Liveness", false)
            .put("responses", new JsonObject().put("200", response("The process answers", "Health")))))
        .put("/health/ready", new JsonObject().put("get", operation("Readiness of PostgreSQL and Redis", false)
            .put("responses", new JsonObject()
                .put("200", response("Both dependencies answer", "Health"))
                .put("503", response("A dependency does not answer", "Health")))))
        .put("/openapi.json", new JsonObject().put("get", operation("This document", false)
            .put("responses", new JsonObject().put("200", new JsonObject().put("description", "OpenAPI 3.1")))))
        .put("/v1/auth/login", new JsonObject().put("post", operation("Exchange email and password for a token", false)
            .put("requestBody", body("LoginRequest"))
            .put("responses", errors(new JsonObject().put("200", response("Access token", "TokenResponse")),
                400, 401, 413, 415, 422, 429))))
        .put("/v1/auth/refresh", new JsonObject().put("post", operation(
                "Spend a refresh token for a new access token and refresh token", false)
            .put("requestBody", body("RefreshRequest"))
            .put("responses", errors(new JsonObject().put("200", response("New tokens", "TokenResponse")),
                400, 401, 413, 415, 422, 429))))
        .put("/v1/auth/logout", new JsonObject().put("post", operation(
                "Revoke the presented access token and every token of its login", true)
            .put("responses", errors(new JsonObject().put("204", new JsonObject().put("description", "Revoked")),
                401, 429))))
        .put("/v1/public/pets", new JsonObject().put("get", operation("List public pets", false)
            .put("parameters", pageParameters())
            .put("responses", errors(new JsonObject().put("200", response("A page", "PublicPetPage")), 400, 422, 429))))
        .put("/v1/pets", new JsonObject()
            .put("get", operation("List the caller's pets", true)
                .put("parameters", pageParameters())
                .put("responses", errors(new JsonObject().put("200", response("A page", "OwnerPetPage")),
                    400, 401, 422, 429)))
            .put("post", operation("Create a pet; needs scope write:pets", true)
                .put("requestBody", body("PetCreate"))
                .put("responses", errors(new JsonObject().put("201", response("The new pet", "OwnerPet")
                    .put("headers", new JsonObject().put("Location", new JsonObject()
                        .put("schema", new JsonObject().put("type", "string"))))), 400, 401, 403, 413, 415, 422, 429))))
        .put("/v1/pets/{id}", new JsonObject()
            .put("parameters", idParameter())
            .put("get", operation("Read one of the caller's pets", true)
                .put("responses", errors(new JsonObject().put("200", response("The pet", "OwnerPet")), 401, 403, 404, 429)))
            .put("patch", operation("Change one of the caller's pets; needs scope write:pets", true)
                .put("requestBody", body("PetUpdate"))
                .put("responses", errors(new JsonObject().put("200", response("The pet", "OwnerPet")),
                    400, 401, 403, 404, 413, 415, 422, 429)))
            .put("delete", operation("Delete one of the caller's pets; needs scope delete:pets", true)
                .put("responses", errors(new JsonObject().put("204", new JsonObject().put("description", "Deleted")),
                    401, 403, 404, 429))))
        .put("/v1/users/me", new JsonObject().put("get", operation("The caller's own user", true)
            .put("responses", errors(new JsonObject().put("200", response("Own view", "UserSelf")), 401, 429))))
        .put("/v1/users/{id}", new JsonObject()
            .put("parameters", idParameter())
            .put("get", operation("A user, in the view the caller may see", true)
                .put("responses", errors(new JsonObject().put("200", new JsonObject()
                    .put("description", "Admin view with scope admin:all, own view for oneself, else public view")
                    .put("content", new JsonObject().put(JSON, new JsonObject().put("schema", new JsonObject()
                        .put("oneOf", new JsonArray().add(ref("UserAdmin")).add(ref("UserSelf")).add(ref("UserPublic"))))))),
                    401, 404, 429))))
        .put("/v1/admin/users/{id}", new JsonObject()
            .put("parameters", idParameter())
            .put("delete", operation("Delete a user and their pets; needs the admin role", true)
                .put("responses", errors(new JsonObject().put("204", new JsonObject().put("description", "Deleted")),
                    401, 403, 404, 429))));
  }

  private static JsonObject operation(String summary, boolean authenticated) {
    JsonObject operation = new JsonObject().put("summary", summary);
    operation.put("security", authenticated
        ? new JsonArray().add(new JsonObject().put("bearer", new JsonArray()))
        : new JsonArray());
    return operation;
  }

  private static JsonObject body(String schema) {
    return new JsonObject().put("required", true)
        .put("content", new JsonObject().put(JSON, new JsonObject().put("schema", ref(schema))));
  }

  private static JsonObject response(String description, String schema) {
    return new JsonObject().put("description", description)
        .put("content", new JsonObject().put(JSON, new JsonObject().put("schema", ref(schema))));
  }

  private static JsonObject errors(JsonObject responses, int... statuses) {
    for (int status : statuses) {
      String schema = switch (status) {
        case 403 -> "Forbidden";
        case 422 -> "ValidationError";
        default -> "Error";
      };
      responses.put(Integer.toString(status), response(describe(status), schema));
    }
    return responses;
  }

  private static String describe(int status) {
    return switch (status) {
      case 400 -> "Malformed JSON or an invalid cursor";
      case 401 -> "Missing or invalid token, or wrong credentials";
      case 403 -> "Missing scope, another owner's pet, or not an admin";
      case 404 -> "Not found, or a malformed id";
      case 413 -> "Body over 16 KiB";
      case 415 -> "Body is not application/json";
      case 422 -> "Validation failed";
      case 429 -> "Rate limited or blocked; see Retry-After";
      default -> "Error";
    };
  }

  private static JsonArray idParameter() {
    return new JsonArray().add(new JsonObject().put("name", "id").put("in", "path").put("required", true)
        .put("schema", new JsonObject().put("type", "string").put("format", "uuid")));
  }

  private static JsonArray pageParameters() {
    return new JsonArray()
        .add(new JsonObject().put("name", "limit").put("in", "query").put("schema", new JsonObject()
            .put("type", "integer").put("minimum", 1).put("maximum", PageRequest.MAX_LIMIT)
            .put("default", PageRequest.DEFAULT_LIMIT)))
        .add(new JsonObject().put("name", "cursor").put("in", "query")
            .put("description", "nextCursor of the previous page").put("schema", new JsonObject().put("type", "string")));
  }

  private static JsonObject ref(String schema) {
    return new JsonObject().put("$ref", "#/components/schemas/" + schema);
  }

  private static JsonObject object(List<String> required, JsonObject properties) {
    return new JsonObject().put("type", "object").put("required", new JsonArray(required)).put("properties", properties);
  }

  private static JsonObject type(String type) {
    return new JsonObject().put("type", type);
  }

  private static JsonObject nullable(String type) {
    return new JsonObject().put("type", new JsonArray().add(type).add("null"));
  }

  private static JsonObject responseSchemas() {
    JsonObject timestamp = new JsonObject().put("type", "string").put("format", "date-time");
    JsonObject species = new JsonObject().put("type", "string")
        .put("enum", new JsonArray().add("DOG").add("CAT").add("BIRD").add("RABBIT"));
    JsonObject ownerPet = object(List.of("id", "ownerId", "name", "species", "breed", "age", "weight", "isPublic",
        "createdAt", "updatedAt"), new JsonObject()
        .put("id", type("string")).put("ownerId", type("string")).put("name", type("string")).put("species", species)
        .put("breed", nullable("string")).put("age", nullable("integer")).put("weight", nullable("number"))
        .put("isPublic", type("boolean")).put("createdAt", timestamp).put("updatedAt", timestamp));
    JsonObject publicPet = object(List.of("id", "name", "species", "breed", "age"), new JsonObject()
        .put("id", type("string")).put("name", type("string")).put("species", species)
        .put("breed", nullable("string")).put("age", nullable("integer")));
    JsonObject userPublic = new JsonObject().put("id", type("string")).put("name", type("string"));
    JsonObject userSelf = userPublic.copy().put("email", type("string")).put("createdAt", timestamp);
    JsonObject userAdmin = userSelf.copy().put("role", new JsonObject().put("type", "string")
        .put("enum", new JsonArray().add("user").add("admin")))
        .put("lastLoginAt", new JsonObject().put("type", new JsonArray().add("string").add("null")).put("format", "date-time"));
    return new JsonObject()
        .put("Health", object(List.of("status"), new JsonObject().put("status", type("string"))
            .put("checks", type("object")).put("limiter", type("string"))))
        .put("TokenResponse", object(List.of("accessToken", "tokenType", "expiresIn", "refreshToken"), new JsonObject()
            .put("accessToken", type("string")).put("tokenType", new JsonObject().put("const", "Bearer"))
            .put("expiresIn", type("integer")).put("refreshToken", type("string"))))
        .put("OwnerPet", ownerPet)
        .put("PublicPet", publicPet)
        .put("OwnerPetPage", page("OwnerPet"))
        .put("PublicPetPage", page("PublicPet"))
        .put("UserPublic", object(List.of("id", "name"), userPublic))
        .put("UserSelf", object(List.of("id", "name", "email", "createdAt"), userSelf))
        .put("UserAdmin", object(List.of("id", "name", "email", "role", "createdAt", "lastLoginAt"), userAdmin))
        .put("Error", object(List.of("error"), new JsonObject().put("error", type("string")).put("message", type("string"))))
        .put("Forbidden", object(List.of("error"), new JsonObject().put("error", type("string"))
            .put("message", type("string"))
            .put("required", new JsonObject().put("type", "array").put("items", type("string")))
            .put("granted", new JsonObject().put("type", "array").put("items", type("string")))))
        .put("ValidationError", object(List.of("error", "details"), new JsonObject()
            .put("error", new JsonObject().put("const", "Validation failed"))
            .put("details", new JsonObject().put("type", "array").put("items", object(List.of("field", "message"),
                new JsonObject().put("field", type("string")).put("message", type("string")))))));
  }

  private static JsonObject page(String item) {
    return object(List.of("items", "nextCursor"), new JsonObject()
        .put("items", new JsonObject().put("type", "array").put("items", ref(item)))
        .put("nextCursor", nullable("string")));
  }
}
