package io.securepets.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Map;

/**
 * A client-visible failure: the HTTP status, the exact JSON body of the contract and any extra
 * response headers. Handlers fail the routing context with it and {@link FailureHandler} writes it.
 * It carries no stack trace because it reports the caller's mistake, not a fault of the service.
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final JsonObject body;
  private final Map<String, String> headers;

  public ApiException(int status, JsonObject body, Map<String, String> headers) {
    super(body.getString("error"), null, false, false);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  public ApiException(int status, JsonObject body) {
    this(status, body, Map.of());
  }

  public int status() {
    return status;
  }

  public JsonObject body() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }

  private static JsonObject error(String error) {
    return new JsonObject().put("error", error);
  }

  private static JsonObject error(String error, String message) {
    return error(error).put("message", message);
  }

  public static ApiException authenticationRequired() {
    return new ApiException(401,
        error("Authentication required", "Provide credentials in the Authorization header"),
        Map.of("WWW-Authenticate", "Bearer"));
  }

  /** Rejects a presented token; {@code reason} is one of the service's own short reasons, never library text. */
  public static ApiException invalidToken(String reason) {
    return new ApiException(401, error("Invalid token", reason),
        Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
  }

  public static ApiException invalidCredentials() {
    return new ApiException(401, error("Invalid credentials"), Map.of("WWW-Authenticate", "Bearer"));
  }

  public static ApiException insufficientScope(Collection<String> required, Collection<String> granted) {
    return new ApiException(403, error("Insufficient permissions")
        .put("required", new JsonArray(required.stream().toList()))
        .put("granted", new JsonArray(granted.stream().toList())));
  }

  public static ApiException accessDenied(String message) {
    return new ApiException(403, error("Access denied", message));
  }

  public static ApiException notFound(String error) {
    return new ApiException(404, error(error));
  }

  public static ApiException badRequest(String error, String message) {
    return new ApiException(400, error(error, message));
  }

  public static ApiException malformedJson() {
    return new ApiException(400, error("Malformed JSON"));
  }

  public static ApiException validation(JsonArray details) {
    return new ApiException(422, error("Validation failed").put("details", details));
  }

  public static ApiException validation(String field, String message) {
    return validation(new JsonArray().add(new JsonObject().put("field", field).put("message", message)));
  }

  public static ApiException payloadTooLarge(int limitBytes) {
    return new ApiException(413, error("Payload too large",
        "Request bodies are limited to " + limitBytes + " bytes"));
  }

  public static ApiException unsupportedMediaType() {
    return new ApiException(415, error("Unsupported media type", "Send the body as application/json"));
  }

  public static ApiException methodNotAllowed(String allow) {
    return new ApiException(405, error("Method not allowed"), Map.of("Allow", allow));
  }

  public static ApiException conflict(String error, String message) {
    return new ApiException(409, error(error, message));
  }

  public static ApiException serviceUnavailable(String message) {
    return new ApiException(503, error("Service unavailable", message));
  }
}
