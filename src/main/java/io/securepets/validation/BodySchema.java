package io.securepets.validation;

import io.securepets.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A JSON Schema (draft 2020-12) for a request body, loaded from {@code /schemas} on the class path,
 * plus the free-text fields that are turned into plain text before validation. Failures become the
 * contract's 422 body with one {@code {field, message}} entry per invalid field, in the service's own
 * words rather than the validator's.
 */
public final class BodySchema {

  private static final String BODY_FIELD = "body";
  /** Longest field name echoed in a 422 body; an unknown field name comes from the caller. */
  private static final int MAX_FIELD_NAME_CHARS = 64;

  private final String name;
  private final JsonObject schema;
  private final Validator validator;
  private final Set<String> plainTextFields;

  private BodySchema(String name, JsonObject schema, Set<String> plainTextFields) {
    this.name = name;
    this.schema = schema;
    this.plainTextFields = plainTextFields;
    this.validator = Validator.create(JsonSchema.of(schema), new JsonSchemaOptions()
        .setDraft(Draft.DRAFT202012)
        .setBaseUri("https://secure-pets.example/schemas/")
        .setOutputFormat(OutputFormat.Basic));
  }

  /** Loads {@code /schemas/<name>.json}; {@code plainTextFields} are sanitized and trimmed first. */
  public static BodySchema load(String name, Set<String> plainTextFields) {
    try (InputStream in = BodySchema.class.getResourceAsStream("/schemas/" + name + ".json")) {
      if (in == null) {
        throw new IllegalStateException("schema resource /schemas/" + name + ".json is missing from the jar");
      }
      return new BodySchema(name, new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)),
          plainTextFields);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String name() {
    return name;
  }

  /** Returns a copy of the schema document, for publishing it. */
  public JsonObject document() {
    return schema.copy();
  }

  /**
   * Sanitizes the free-text fields of {@code body}, validates it and returns the cleaned body with
   * schema defaults applied; throws a 422 {@link ApiException} listing every invalid field.
   */
  public JsonObject validate(Map<String, Object> body) {
    JsonObject cleaned = new JsonObject(new LinkedHashMap<>(body));
    Map<String, String> problems = new LinkedHashMap<>();
    for (String field : plainTextFields) {
      if (cleaned.getValue(field) instanceof String text) {
        if (PlainText.hasControlOrBrokenCharacters(text.replaceAll("[\\t\\r\\n]", " "))) {
          problems.put(field, "must not contain control characters");
        } else {
          String plain = PlainText.of(text.replaceAll("\\s", " "));
          if (plain == null) {
            problems.put(field, "must be plain text: markup or nested HTML entities remain after sanitizing");
          } else if (PlainText.hasControlOrBrokenCharacters(plain)) {
            // Decoding an entity such as &#x85; can produce a control character.
            problems.put(field, "must not contain control characters");
          } else {
            cleaned.put(field, plain);
          }
        }
      }
    }
    OutputUnit result = validator.validate(cleaned);
    if (!result.getValid() && result.getErrors() != null) {
      for (OutputUnit error : result.getErrors()) {
        describe(error, cleaned, problems);
      }
    }
    if (!result.getValid() && problems.isEmpty()) {
      // An error that describe() does not name a field for, such as a property named "", still rejects.
      problems.put(BODY_FIELD, "does not match the request schema");
    }
    if (!problems.isEmpty()) {
      JsonArray details = new JsonArray();
      problems.forEach((field, message) -> details.add(new JsonObject().put("field", field).put("message", message)));
      throw ApiException.validation(details);
    }
    applyDefaults(cleaned);
    return cleaned;
  }

  private void describe(OutputUnit error, JsonObject instance, Map<String, String> problems) {
    String location = error.getKeywordLocation() == null ? "" : error.getKeywordLocation();
    String keyword = location.substring(location.lastIndexOf('/') + 1);
    String field = topLevelField(error.getInstanceLocation());
    switch (keyword) {
      case "required" -> requiredFields().stream()
          .filter(required -> !instance.containsKey(required))
          .forEach(missing -> problems.putIfAbsent(missing, "is required"));
      case "minProperties" -> problems.putIfAbsent(BODY_FIELD, "must contain at least one field to change");
      case "additionalProperties" -> {
        if (!field.isEmpty()) {
          problems.putIfAbsent(field, "is not an allowed field");
        }
      }
      case "type" -> problems.putIfAbsent(field.isEmpty() ? BODY_FIELD : field, "must be " + describeType(field));
      case "enum" -> problems.putIfAbsent(field, "must be one of " + property(field).getJsonArray("enum")
          .stream().map(String::valueOf).collect(Collectors.joining(", ")));
      case "minLength" -> problems.putIfAbsent(field, property(field).getInteger("minLength") == 1
          ? "must not be empty" : "must have at least " + property(field).getInteger("minLength") + " characters");
      case "maxLength" -> problems.putIfAbsent(field,
          "must have at most " + property(field).getInteger("maxLength") + " characters");
      case "minimum", "maximum" -> problems.putIfAbsent(field, "must be between "
          + property(field).getValue("minimum") + " and " + property(field).getValue("maximum"));
      default -> {
        // Wrapper errors such as "properties" or the false schema repeat a leaf error reported above.
      }
    }
  }

  private List<String> requiredFields() {
    JsonArray required = schema.getJsonArray("required", new JsonArray());
    return required.stream().map(String::valueOf).toList();
  }

  private JsonObject property(String field) {
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    return properties.getJsonObject(field, new JsonObject());
  }

  private String describeType(String field) {
    if (field.isEmpty()) {
      return "a JSON object";
    }
    return switch (property(field).getString("type", "")) {
      case "string" -> "a string";
      case "integer" -> "an integer";
      case "number" -> "a number";
      case "boolean" -> "true or false";
      default -> "of another type";
    };
  }

  private static String topLevelField(String instanceLocation) {
    if (instanceLocation == null || instanceLocation.length() <= 1) {
      return "";
    }
    String path = instanceLocation.startsWith("#") ? instanceLocation.substring(1) : instanceLocation;
    path = path.startsWith("/") ? path.substring(1) : path;
    int slash = path.indexOf('/');
    String first = (slash < 0 ? path : path.substring(0, slash)).replace("~1", "/").replace("~0", "~");
    return first.length() > MAX_FIELD_NAME_CHARS ? first.substring(0, MAX_FIELD_NAME_CHARS) : first;
  }

  private void applyDefaults(JsonObject body) {
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    for (String field : properties.fieldNames()) {
      Object fallback = properties.getJsonObject(field).getValue("default");
      if (fallback != null && !body.containsKey(field)) {
        body.put(field, fallback);
      }
    }
  }
}
