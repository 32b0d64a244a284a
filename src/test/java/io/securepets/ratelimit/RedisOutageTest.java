package io.securepets.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.EmbeddedServices;
import io.securepets.support.EventCapture;
import io.securepets.support.InProcessServer;
import io.securepets.support.RedisKeys;
import io.securepets.support.Waits;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * The limiter while its Redis is down and after it returns. Each test starts an embedded Redis of
 * its own on a free loopback port and a server using it, then stops and restarts that Redis.
 */
class RedisOutageTest {

  private static final int LIMIT = 5;
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(20);

  private RedisServer redis;
  private InProcessServer server;
  private EventCapture events;

  @BeforeEach
  void start() throws IOException {
    int port = EmbeddedServices.freePort();
    redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
        .setting("save \"\"").setting("appendonly no").build();
    redis.start();
    events = new EventCapture();
    server = InProcessServer.start(Map.of(
        "PETS_REDIS_URL", "redis://127.0.0.1:" + port + "/0",
        "PETS_LIMIT_GLOBAL", String.valueOf(LIMIT),
        "PETS_LIMIT_GLOBAL_WINDOW_SECONDS", "60",
        "PETS_SUSPICIOUS_THRESHOLD", "1000"));
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    if (events != null) {
      events.close();
    }
    if (redis != null) {
      redis.stop();
    }
  }

  private List<JsonObject> limiterEvents(String name) {
    return events.matching(event -> name.equals(event.getString("event")));
  }

  private Response ready() {
    return server.client().get("/health/ready", null);
  }

  @Test
  void limitsHoldWhileRedisDown() throws Exception {
    ApiClient client = server.client();
    Response before = ready();
    redis.stop();

    ExecutorService pool = Executors.newFixedThreadPool(LIMIT);
    List<Future<Response>> burst = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT; i++) {
        burst.add(pool.submit(() -> client.get("/v1/public/pets", null)));
      }
      for (int i = 0; i < LIMIT; i++) {
        assertThat(burst.get(i).get(30, TimeUnit.SECONDS).status()).as("request %d without Redis", i + 1)
            .isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    Response rejected = client.get("/v1/public/pets", null);
    Response during = ready();
    List<JsonObject> degraded = events.await(event -> "LIMITER_DEGRADED".equals(event.getString("event")), 1,
        Duration.ofSeconds(5));

    assertThat(before.status()).isEqualTo(200);
    assertThat(before.json().getString("limiter")).isEqualTo("SHARED");
    assertThat(rejected.status()).as("request %d from this process's windows", LIMIT + 1).isEqualTo(429);
    assertThat(rejected.json().getString("error")).isEqualTo("Too many requests");
    assertThat(rejected.header("Retry-After")).isNotNull();
    assertThat(during.status()).isEqualTo(503);
    assertThat(during.json().getString("status")).isEqualTo("DOWN");
    assertThat(during.json().getJsonObject("checks").getString("redis")).isEqualTo("DOWN");
    assertThat(during.json().getJsonObject("checks").getString("postgres")).isEqualTo("UP");
    assertThat(during.json().getString("limiter")).isEqualTo("DEGRADED");
    assertThat(degraded).hasSize(1);
    assertThat(degraded.get(0).getString("timestamp")).isNotNull();
  }

  @Test
  void recoversWhenRedisReturns() throws IOException {
    ApiClient client = server.client();
    redis.stop();
    Response degradedResponse = client.get("/v1/public/pets", null);
    events.await(event -> "LIMITER_DEGRADED".equals(event.getString("event")), 1, Duration.ofSeconds(5));
    redis.start();

    boolean recovered = Waits.until(() -> {
      Response ready = ready();
      return ready.status() == 200 && "SHARED".equals(ready.json().getString("limiter"));
    }, RECOVERY_TIMEOUT);
    Response afterRecovery = client.get("/v1/public/pets", null);
    List<JsonObject> recoveredEvents = events.await(
        event -> "LIMITER_RECOVERED".equals(event.getString("event")), 1, Duration.ofSeconds(5));
    Map<String, Long> keys = RedisKeys.ttls(server.redisUrl(), server.keyPrefix());

    assertThat(degradedResponse.status()).isEqualTo(200);
    assertThat(recovered).as("ready answers 200 with a shared limiter again").isTrue();
    assertThat(limiterEvents("LIMITER_DEGRADED")).hasSize(1);
    assertThat(recoveredEvents).hasSize(1);
    assertThat(afterRecovery.status()).isEqualTo(200);
    assertThat(keys).as("windows written to the restarted Redis").isNotEmpty();
  }
}
