package io.securepets.server;

import io.securepets.auth.AuthFailureMetrics;
import io.securepets.auth.AuthenticationHandler;
import io.securepets.auth.RequireScope;
import io.securepets.auth.Scopes;
import io.securepets.config.AppConfig;
import io.securepets.health.HealthRoutes;
import io.securepets.http.ApiException;
import io.securepets.http.FailureHandler;
import io.securepets.http.InFlightLimit;
import io.securepets.http.JsonBody;
import io.securepets.http.Responses;
import io.securepets.openapi.OpenApiDocument;
import io.securepets.pets.PetRoutes;
import io.securepets.ratelimit.RateLimitHandler;
import io.securepets.ratelimit.RateLimitHandler.Kind;
import io.securepets.users.UserRoutes;
import io.securepets.validation.BodySchema;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Map;
import java.util.Set;

/**
 * The whole request chain in one place. Every HTTPS request passes, in order:
 * <ol>
 *   <li>TLS-only transport ({@link TransportOptions}; plain HTTP only ever gets a redirect);</li>
 *   <li>security headers and request id, set by {@link ApiVerticle} before routing, so even
 *       responses Vert.x writes by itself carry them;</li>
 *   <li>load shedding ({@link InFlightLimit}): a request over this verticle's in-flight limit gets
 *       503 at once; then CORS when origins are configured, and on routes with a body the
 *       size-limited body reader, which Vert.x places before authentication;</li>
 *   <li>JWT authentication ({@link AuthenticationHandler}), and a 404 for a malformed path id;</li>
 *   <li>authorization by scope ({@link RequireScope}); ownership and the database role are checked
 *       by the statement that serves the request, in the same round trip;</li>
 *   <li>media type, strict JSON parsing, sanitization and JSON-schema validation ({@link JsonBody});</li>
 *   <li>the Redis sliding-window limiter ({@link RateLimitHandler}): one round trip checks the
 *       suspicious-activity block and the route's windows; errors raised before this step are
 *       counted by the failure handler instead;</li>
 *   <li>audit logging, as security events emitted by the handlers;</li>
 *   <li>the endpoint handler and its async PostgreSQL repository.</li>
 * </ol>
 * Errors from any step reach {@link FailureHandler}, which writes every error body.
 */
final class ApiRouter {

  private final Vertx vertx;
  private final AppConfig config;
  private final Services services;
  private final InFlightLimit inFlight;

  ApiRouter(Vertx vertx, AppConfig config, Services services) {
    this.vertx = vertx;
    this.config = config;
    this.services = services;
    this.inFlight = new InFlightLimit(config.maxInFlight());
  }

  Router build() {
    Router router = Router.router(vertx);
    RateLimitHandler limits = services.limits();
    router.route().handler(inFlight);
    router.route().handler(ctx -> {
      services.clientAddress().resolve(ctx);
      ctx.next();
    });
    if (!config.corsOrigins().isEmpty()) {
      router.route().handler(cors());
    }

    HealthRoutes health = services.health();
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    allowOnly(router, "/health/live", "GET");
    allowOnly(router, "/health/ready", "GET");

    BodySchema loginSchema = BodySchema.load("login", Set.of());
    BodySchema refreshSchema = BodySchema.load("refresh", Set.of());
    BodySchema petCreate = BodySchema.load("pet-create", Set.of("name", "breed"));
    BodySchema petUpdate = BodySchema.load("pet-update", Set.of("name", "breed"));
    Buffer openApi = OpenApiDocument.build(Map.of("LoginRequest", loginSchema, "RefreshRequest", refreshSchema,
        "PetCreate", petCreate, "PetUpdate", petUpdate)).toBuffer();
    router.get("/openapi.json").handler(ctx -> Responses.json(ctx.response(), 200, openApi));
    allowOnly(router, "/openapi.json", "GET");

    readingBody(router.post("/v1/auth/login"))
        .handler(JsonBody.validatedBy(loginSchema))
        .handler(limits.step(Kind.LOGIN)).handler(services.login());
    allowOnly(router, "/v1/auth/login", "POST");
    readingBody(router.post("/v1/auth/refresh")).handler(JsonBody.validatedBy(refreshSchema))
        .handler(limits.step(Kind.GLOBAL)).handler(services.refresh());
    allowOnly(router, "/v1/auth/refresh", "POST");

    PetRoutes pets = services.pets();
    router.get("/v1/public/pets").handler(limits.step(Kind.GLOBAL)).handler(pets::listPublic);
    allowOnly(router, "/v1/public/pets", "GET");

    Handler<RoutingContext> authenticate = services.authentication();
    Handler<RoutingContext> limited = limits.step(Kind.GLOBAL);

    router.post("/v1/auth/logout").handler(authenticate).handler(limited).handler(services.logout());
    allowOnly(router, "/v1/auth/logout", "POST");

    router.get("/v1/pets").handler(authenticate).handler(limited).handler(pets::listOwn);
    readingBody(router.post("/v1/pets")).handler(authenticate)
        .handler(RequireScope.of(Scopes.WRITE_PETS)).handler(JsonBody.validatedBy(petCreate))
        .handler(limits.step(Kind.CREATE_PET)).handler(pets::create)
        .failureHandler(PetRoutes::createFailed);
    allowOnly(router, "/v1/pets", "GET, POST");

    router.get("/v1/pets/:id").handler(authenticate).handler(PetRoutes::requireValidId).handler(limited)
        .handler(pets::get);
    readingBody(router.patch("/v1/pets/:id")).handler(authenticate)
        .handler(PetRoutes::requireValidId).handler(RequireScope.of(Scopes.WRITE_PETS))
        .handler(JsonBody.validatedBy(petUpdate)).handler(limited).handler(pets::update);
    router.delete("/v1/pets/:id").handler(authenticate).handler(PetRoutes::requireValidId)
        .handler(RequireScope.of(Scopes.DELETE_PETS)).handler(limited).handler(pets::delete);
    allowOnly(router, "/v1/pets/:id", "GET, PATCH, DELETE");

    UserRoutes users = services.users();
    router.get("/v1/users/me").handler(authenticate).handler(limited).handler(users::me);
    allowOnly(router, "/v1/users/me", "GET");
    router.get("/v1/users/:id").handler(authenticate).handler(limited).handler(users::get);
    allowOnly(router, "/v1/users/:id", "GET");
    router.delete("/v1/admin/users/:id").handler(authenticate).handler(limited).handler(users::adminDelete);
    allowOnly(router, "/v1/admin/users/:id", "DELETE");

    router.route().handler(ctx -> ctx.fail(ApiException.notFound("Not found")));
    AuthFailureMetrics authFailures = services.authFailures();
    // Every error response passes here once, so each 401 is counted whichever step raised it.
    FailureHandler failures = new FailureHandler((ctx, error) -> {
      authFailures.record(error);
      return limits.onError(ctx, error);
    });
    router.route().failureHandler(failures);
    for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
      router.errorHandler(status, failures.errorHandler(status));
    }
    return router;
  }

  /**
   * Adds the size-limited body reader to {@code route}. The request's in-flight slot is free while
   * the body arrives, so a client that sends its body slowly holds no slot.
   */
  private Route readingBody(Route route) {
    return route.handler(inFlight.releaseWhileReading()).handler(JsonBody.reader()).handler(inFlight::reacquire);
  }

  /** Rejects any other method on {@code path} with 405 and the Allow header. */
  private static void allowOnly(Router router, String path, String allow) {
    router.route(path).handler(ctx -> ctx.fail(ApiException.methodNotAllowed(allow)));
  }

  private CorsHandler cors() {
    return CorsHandler.create()
        .addOrigins(config.corsOrigins())
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", "Content-Type"))
        .exposedHeaders(Set.of("Location", "X-Request-Id"))
        .allowCredentials(false)
        .maxAgeSeconds(600);
  }
}
