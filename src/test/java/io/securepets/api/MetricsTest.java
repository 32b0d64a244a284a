package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.config.AppConfig;
import io.securepets.config.ConfigLoader;
import io.securepets.server.ServerLauncher;
import io.securepets.support.ApiClient;
import io.securepets.support.EmbeddedServices;
import io.securepets.support.Fixtures;
import io.securepets.support.Scrape;
import io.securepets.support.TestEnvironment;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The management listener and the metrics it serves, on a server of this class's own so that no other
 * test's requests move its counters. Requests go over TLS to the API port; scrapes go over plain
 * HTTP to the management port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {

  private static final String REQUESTS = "http_server_requests_seconds_count";
  private static final String LATENCY_BUCKET = "http_server_requests_seconds_bucket";
  private static final String DECISIONS = "securepets_limiter_decisions_total";
  private static final String AUTH_FAILURES = "securepets_auth_failures_total";

  private ServerLauncher.RunningServer server;
  private AppConfig config;
  private ApiClient api;
  private HttpClient management;
  private String token;

  /** Returns the shared test settings with new ports, a management listener and a new Redis key prefix. */
  private static Map<String, String> serverSettings() {
    Map<String, String> settings = new HashMap<>(TestEnvironment.get().settings());
    settings.put("PETS_HTTPS_PORT", String.valueOf(EmbeddedServices.freePort()));
    settings.put("PETS_HTTP_PORT", "0");
    settings.put("PETS_INSTANCES", "2");
    settings.put("PETS_MANAGEMENT_HOST", "127.0.0.1");
    settings.put("PETS_MANAGEMENT_PORT", String.valueOf(EmbeddedServices.freePort()));
    settings.put("PETS_REDIS_KEY_PREFIX", "pets-metrics-" + UUID.randomUUID() + ":");
    // The clients keep their connections open, so a stop would wait out the whole grace period.
    settings.put("PETS_SHUTDOWN_GRACE_SECONDS", "0");
    return settings;
  }

  @BeforeAll
  void startServer() {
    config = new ConfigLoader(serverSettings()).loadForServer();
    server = ServerLauncher.start(config);
    api = new ApiClient(config.httpsPort(), config.tlsCert(), HttpClient.Version.HTTP_1_1);
    management = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    UUID userId = Fixtures.insertUser("metrics-" + UUID.randomUUID() + "@example.com", "Metrics", "user",
        List.of("read:pets", "write:pets"));
    token = Fixtures.sign(Fixtures.validClaims(userId, "read:pets write:pets"));
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private Scrape scrape() {
    return Scrape.fetch(management, config.management().host(), config.management().port());
  }

  /**
   * Scrapes after one more API request on the client's keep-alive connection. Vert.x records a
   * request's timer just after writing its response, and reads the connection's next request only
   * after that, so this scrape includes every earlier request of the client.
   */
  private Scrape scrapeAfterRequests() {
    api.get("/health/live", null);
    return scrape();
  }

  private String createPet() {
    ApiClient.Response created = api.post("/v1/pets", token,
        new JsonObject().put("name", "Rex").put("species", "DOG").encode());
    assertThat(created.status()).as("create status").isEqualTo(201);
    return created.json().getString("id");
  }

  @Test
  void requestCountedByRouteTemplate() {
    String petId = createPet();
    Map<String, String> labels = Map.of("route", "/v1/pets/:id", "status", "200", "method", "GET");
    double before = scrapeAfterRequests().sum(REQUESTS, labels);

    assertThat(api.get("/v1/pets/" + petId, token).status()).isEqualTo(200);
    Scrape after = scrapeAfterRequests();

    assertThat(after.sum(REQUESTS, labels) - before).isEqualTo(1.0);
    assertThat(after.text()).doesNotContain(petId);
  }

  @Test
  void latencyHistogramHasBuckets() {
    String petId = createPet();
    assertThat(api.get("/v1/pets/" + petId, token).status()).isEqualTo(200);

    Scrape scrape = scrapeAfterRequests();

    Map<String, String> route = Map.of("route", "/v1/pets/:id", "status", "200");
    assertThat(scrape.samples(LATENCY_BUCKET, route)).as("buckets of /v1/pets/:id").isNotEmpty();
    assertThat(scrape.labelValues(LATENCY_BUCKET, "le")).contains("0.005", "1.0", "+Inf");
    assertThat(scrape.sum(LATENCY_BUCKET, Map.of("route", "/v1/pets/:id", "status", "200", "le", "+Inf")))
        .isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void unmatchedPathHasFixedRoute() {
    String path = "/no-such-path-" + UUID.randomUUID();
    double before = scrapeAfterRequests().sum(REQUESTS, Map.of("route", "unmatched", "status", "404"));

    assertThat(api.get(path, null).status()).isEqualTo(404);
    Scrape after = scrapeAfterRequests();

    assertThat(after.sum(REQUESTS, Map.of("route", "unmatched", "status", "404")) - before).isEqualTo(1.0);
    assertThat(after.text()).doesNotContain(path);
  }

  @Test
  void failedCreateReportsRouteOnce() {
    ApiClient.Response invalid = api.post("/v1/pets", token, new JsonObject().put("name", "Rex").encode());
    assertThat(invalid.status()).isEqualTo(422);

    Scrape scrape = scrapeAfterRequests();

    assertThat(scrape.samples(REQUESTS, Map.of("route", "/v1/pets", "status", "422", "method", "POST")))
        .isNotEmpty();
    assertThat(scrape.labelValues(REQUESTS, "route")).noneMatch(route -> route.contains(">"));
  }

  @Test
  void unknownMethodLabelledOther() {
    assertThat(api.send("BREW", "/v1/pets", token, null, Map.of()).status()).isEqualTo(405);

    List<String> methods = scrapeAfterRequests().labelValues(REQUESTS, "method");

    assertThat(methods).contains("OTHER");
    assertThat(methods).doesNotContain("BREW");
  }

  @Test
  void limiterCountsAdmittedRequest() {
    Map<String, String> admitted = Map.of("window", "global", "decision", "admitted");
    double before = scrape().sum(DECISIONS, admitted);

    assertThat(api.get("/v1/pets", token).status()).isEqualTo(200);
    Scrape after = scrape();

    assertThat(after.sum(DECISIONS, admitted) - before).isEqualTo(1.0);
    assertThat(after.samples(DECISIONS, Map.of("window", "login", "decision", "over_limit"))).hasSize(1);
    assertThat(after.samples(DECISIONS, Map.of("window", "suspicious-activity", "decision", "blocked")))
        .hasSize(1);
    assertThat(after.samples("securepets_limiter_degraded", Map.of())).hasSize(1);
    assertThat(after.sum("securepets_limiter_degraded", Map.of())).isZero();
    assertThat(after.samples("securepets_limiter_fallback_total", Map.of())).hasSize(1);
  }

  @Test
  void fallbackCountedWhileRedisDown() {
    Map<String, String> settings = serverSettings();
    // Nothing listens there, so the limiter starts degraded and decides from memory.
    settings.put("PETS_REDIS_URL", "redis://127.0.0.1:" + EmbeddedServices.freePort() + "/0");
    AppConfig degraded = new ConfigLoader(settings).loadForServer();
    try (ServerLauncher.RunningServer ignored = ServerLauncher.start(degraded)) {
      ApiClient degradedApi = new ApiClient(degraded.httpsPort(), degraded.tlsCert(), HttpClient.Version.HTTP_1_1);
      assertThat(degradedApi.get("/v1/pets", token).status()).isEqualTo(200);

      Scrape scrape = Scrape.fetch(management, degraded.management().host(), degraded.management().port());

      assertThat(scrape.sum("securepets_limiter_degraded", Map.of())).isEqualTo(1.0);
      assertThat(scrape.sum("securepets_limiter_fallback_total", Map.of())).isGreaterThanOrEqualTo(1.0);
      assertThat(scrape.sum(DECISIONS, Map.of("window", "global", "decision", "admitted"))).isEqualTo(1.0);
      HttpResponse<String> ready = Scrape.get(management, degraded.management().host(),
          degraded.management().port(), "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
    }
  }

  @Test
  void badTokenCountedByReason() {
    UUID someone = UUID.randomUUID();
    String forged = Fixtures.sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
        Fixtures.validClaims(someone, "read:pets").encode(), "another-secret-of-at-least-32-bytes-long");
    Map<String, String> invalidSignature = Map.of("reason", "invalid_signature");
    Map<String, String> missing = Map.of("reason", "missing_credentials");
    Scrape before = scrape();

    assertThat(api.get("/v1/pets", forged).status()).isEqualTo(401);
    assertThat(api.get("/v1/pets", null).status()).isEqualTo(401);
    Scrape after = scrape();

    assertThat(after.sum(AUTH_FAILURES, invalidSignature) - before.sum(AUTH_FAILURES, invalidSignature))
        .isEqualTo(1.0);
    assertThat(after.sum(AUTH_FAILURES, missing) - before.sum(AUTH_FAILURES, missing)).isEqualTo(1.0);
    assertThat(after.labelValues(AUTH_FAILURES, "reason")).hasSize(11);
  }

  @Test
  void failedRequestCountedByLimiter() {
    Map<String, String> admitted = Map.of("window", "global", "decision", "admitted");
    double before = scrape().sum(DECISIONS, admitted);

    assertThat(api.get("/v1/pets", null).status()).isEqualTo(401);

    assertThat(scrape().sum(DECISIONS, admitted) - before).isEqualTo(1.0);
  }

  @Test
  void poolMetricsPresent() {
    Scrape scrape = scrape();

    assertThat(scrape.samples("vertx_pool_in_use", Map.of("pool_type", "sql")))
        .extracting(sample -> sample.labels().get("pool_name"))
        .containsExactlyInAnyOrder("securepets-pg", "securepets-pg-pipelined");
    assertThat(scrape.samples("vertx_pool_usage_seconds_count", Map.of("pool_type", "sql"))).hasSize(2);
    assertThat(scrape.samples("vertx_pool_in_use", Map.of("pool_type", "redis")))
        .extracting(sample -> sample.labels().get("pool_name"))
        .containsExactlyInAnyOrder("securepets-redis-0", "securepets-redis-1", "securepets-redis-management");
  }

  @Test
  void jvmMetricsPresent() {
    Scrape scrape = scrape();

    assertThat(scrape.samples("jvm_memory_used_bytes", Map.of("area", "heap"))).isNotEmpty();
    assertThat(scrape.samples("process_cpu_usage", Map.of())).hasSize(1);
  }

  @Test
  void scrapeHasPrometheusContentType() {
    HttpResponse<String> response = Scrape.get(management, config.management().host(),
        config.management().port(), "/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
  }

  @Test
  void metricsNotOnApiPort() {
    ApiClient.Response response = api.get("/metrics", null);

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.body()).doesNotContain("http_server_requests");
  }

  @Test
  void managementRequestsNotMeasured() {
    scrape();

    assertThat(scrape().labelValues(REQUESTS, "route")).doesNotContain("/metrics");
  }

  @Test
  void managementServesHealth() {
    HttpResponse<String> live = Scrape.get(management, config.management().host(), config.management().port(),
        "/health/live");
    HttpResponse<String> ready = Scrape.get(management, config.management().host(), config.management().port(),
        "/health/ready");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(live.body()).getString("status")).isEqualTo("UP");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("limiter")).isEqualTo("SHARED");
  }

  @Test
  void managementServesNothingElse() {
    String host = config.management().host();
    int port = config.management().port();
    HttpResponse<String> apiPath = Scrape.get(management, host, port, "/v1/pets");
    HttpResponse<String> postMetrics = Scrape.send(management, host, port, "POST", "/metrics");

    assertThat(apiPath.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(apiPath.body()).getString("error")).isEqualTo("Not found");
    assertThat(postMetrics.statusCode()).isEqualTo(404);
  }
}
