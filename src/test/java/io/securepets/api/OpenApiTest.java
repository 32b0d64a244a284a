package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.validation.BodySchema;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The published OpenAPI document against the running service: the request schemas are the ones the
 * validator loads, every documented operation is routed, undocumented methods are 405, and values the
 * document forbids are rejected with 422 on that field.
 */
class OpenApiTest {

  private static final List<String> METHODS = List.of("GET", "POST", "PATCH", "DELETE", "PUT");

  private final ApiClient client = ApiClient.forTestServer();
  private final JsonObject document = client.get("/openapi.json", null).json();

  @Test
  void documentIsOpenApi31() {
    Response response = client.get("/openapi.json", null);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().getString("openapi")).isEqualTo("3.1.0");
    assertThat(response.header("Strict-Transport-Security")).isNotNull();
  }

  @Test
  void requestSchemasMatchValidator() {
    JsonObject schemas = document.getJsonObject("components").getJsonObject("schemas");
    Map<String, String> resources = Map.of("LoginRequest", "login", "RefreshRequest", "refresh",
        "PetCreate", "pet-create", "PetUpdate", "pet-update");

    resources.forEach((component, resource) -> assertThat(schemas.getJsonObject(component))
        .as(component).isEqualTo(BodySchema.load(resource, Set.of()).document()));
  }

  @Test
  void documentedOperationsAreRouted() {
    String token = Fixtures.user("read:pets", "write:pets", "delete:pets").token();
    String somePet = "/v1/pets/" + UUID.randomUUID();
    for (String path : document.getJsonObject("paths").fieldNames()) {
      String concrete = path.replace("/v1/pets/{id}", somePet).replace("{id}", UUID.randomUUID().toString());
      JsonObject item = document.getJsonObject("paths").getJsonObject(path);
      for (String method : METHODS) {
        Response response = client.send(method, concrete, token, method.equals("GET") || method.equals("DELETE")
            ? null : "{}", Map.of("Content-Type", "application/json"));
        if (item.containsKey(method.toLowerCase())) {
          assertThat(response.status()).as(method + " " + path).isNotEqualTo(405);
          assertThat(response.body()).as(method + " " + path).doesNotContain("\"Not found\"");
        } else {
          assertThat(response.status()).as(method + " " + path).isEqualTo(405);
        }
      }
    }
  }

  @Test
  void forbiddenValuesAreRejected() {
    String token = Fixtures.user("write:pets").token();
    JsonObject petCreate = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("PetCreate");
    JsonObject properties = petCreate.getJsonObject("properties");
    for (String field : properties.fieldNames()) {
      JsonObject property = properties.getJsonObject(field);
      for (Object badValue : badValues(property)) {
        JsonObject body = new JsonObject().put("name", "Rex").put("species", "DOG").put(field, badValue);

        Response response = client.post("/v1/pets", token, body.encode());

        assertThat(response.status()).as(field + "=" + badValue).isEqualTo(422);
        assertThat(response.json().getJsonArray("details").getJsonObject(0).getString("field"))
            .as(field + "=" + badValue).isEqualTo(field);
      }
    }
  }

  /** Values that break one keyword of {@code property}: its type, bounds, length or enum. */
  private static List<Object> badValues(JsonObject property) {
    return switch (property.getString("type")) {
      case "string" -> property.containsKey("enum")
          ? List.of("NOT_IN_ENUM", 7)
          : List.of("x".repeat(property.getInteger("maxLength") + 1), 7);
      case "integer" -> List.of(property.getInteger("minimum") - 1, property.getInteger("maximum") + 1, 1.5, "3");
      case "number" -> List.of(property.getNumber("minimum").doubleValue() - 0.5,
          property.getNumber("maximum").doubleValue() + 0.5, "3");
      case "boolean" -> List.of("true", 1);
      default -> List.of();
    };
  }
}
