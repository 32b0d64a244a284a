package io.securepets.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.EventCapture;
import io.securepets.support.Fixtures;
import io.securepets.support.InProcessServer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Blocking of clients with too many 401 and 403 responses, over real TLS against real Redis. Each
 * test starts its own server with a threshold of 4 failures in 600 s and a clock it moves.
 */
class SuspiciousActivityTest {

  private static final int THRESHOLD = 4;
  private static final long WINDOW_MS = 600_000;

  private static final Map<String, String> SETTINGS = Map.of(
      "PETS_SUSPICIOUS_THRESHOLD", String.valueOf(THRESHOLD),
      "PETS_SUSPICIOUS_WINDOW_SECONDS", "600",
      "PETS_LIMIT_GLOBAL", "1000",
      "PETS_LIMIT_LOGIN", "1000",
      "PETS_LIMIT_CREATE_PET", "1000");

  private static final JsonObject BLOCKED_BODY = new JsonObject().put("error", "Too many failed attempts");

  /** Sends {@code count} requests with an invalid token, each rejected with 401 unless the client is blocked. */
  private static List<Response> failAuthentication(ApiClient client, int count) {
    List<Response> responses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      responses.add(client.get("/v1/pets", "invalid-token"));
    }
    return responses;
  }

  private static List<Integer> statuses(List<Response> responses) {
    return responses.stream().map(Response::status).toList();
  }

  private static List<String> requestIds(List<Response> responses) {
    return responses.stream().map(response -> response.header("X-Request-Id")).toList();
  }

  private static Fixtures.TestUser user(String... scopes) {
    return Fixtures.user(scopes);
  }

  @Test
  void failuresOverThresholdBlockClient() {
    try (InProcessServer server = InProcessServer.start(SETTINGS)) {
      ApiClient client = server.client();
      String email = "blocked-" + UUID.randomUUID() + "@example.com";
      Fixtures.insertUser(email, "Blocked Client", "user", List.of("read:pets"));

      List<Response> failures = failAuthentication(client, THRESHOLD + 1);
      Response list = client.get("/v1/public/pets", null);
      Response login = client.post("/v1/auth/login", null,
          new JsonObject().put("email", email).put("password", Fixtures.PASSWORD).encode());

      assertThat(statuses(failures)).as("the failures themselves").containsOnly(401);
      assertThat(list.status()).as("a valid anonymous request").isEqualTo(429);
      assertThat(list.json()).isEqualTo(BLOCKED_BODY);
      assertThat(list.header("Retry-After")).isEqualTo("600");
      assertThat(login.status()).as("a login with the correct password").isEqualTo(429);
      assertThat(login.json()).isEqualTo(BLOCKED_BODY);
      assertThat(login.header("Retry-After")).isEqualTo("600");
    }
  }

  @Test
  void failuresAtThresholdDoNotBlock() {
    try (InProcessServer server = InProcessServer.start(SETTINGS)) {
      ApiClient client = server.client();

      List<Response> failures = failAuthentication(client, THRESHOLD);
      Response list = client.get("/v1/public/pets", null);

      assertThat(statuses(failures)).containsOnly(401);
      assertThat(list.status()).isEqualTo(200);
    }
  }

  @Test
  void blockEndsAfterWindow() {
    try (InProcessServer server = InProcessServer.start(SETTINGS)) {
      ApiClient client = server.client();
      long start = server.clock().getAsLong();

      failAuthentication(client, THRESHOLD + 1);
      server.clock().set(start + WINDOW_MS - 1);
      Response lastMillisecond = client.get("/v1/public/pets", null);
      server.clock().set(start + WINDOW_MS);
      Response afterWindow = client.get("/v1/public/pets", null);

      assertThat(lastMillisecond.status()).as("1 ms before the window ends").isEqualTo(429);
      assertThat(lastMillisecond.header("Retry-After")).isEqualTo("1");
      assertThat(afterWindow.status()).as("when the window ends").isEqualTo(200);
    }
  }

  @Test
  void blockStartEmitsOneEvent() {
    try (InProcessServer server = InProcessServer.start(SETTINGS); EventCapture events = new EventCapture()) {
      ApiClient client = server.client();

      List<Response> failures = failAuthentication(client, THRESHOLD + 1);
      List<Response> blocked = new ArrayList<>();
      blocked.addAll(failAuthentication(client, 2));
      blocked.add(client.get("/v1/public/pets", null));
      List<String> ids = new ArrayList<>(requestIds(failures));
      ids.addAll(requestIds(blocked));

      List<JsonObject> suspicious = events.named("SUSPICIOUS_ACTIVITY", ids);
      List<JsonObject> rateLimited = events.named("RATE_LIMITED", ids);

      assertThat(statuses(blocked)).containsOnly(429);
      assertThat(suspicious).hasSize(1);
      assertThat(suspicious.get(0).getString("requestId")).as("emitted by the failure that exceeded the threshold")
          .isEqualTo(failures.get(THRESHOLD).header("X-Request-Id"));
      assertThat(suspicious.get(0).getString("ip")).isEqualTo("127.0.0.1");
      assertThat(suspicious.get(0).getInteger("failures")).isEqualTo(THRESHOLD + 1);
      assertThat(suspicious.get(0).getLong("blockedSeconds")).isEqualTo(600L);
      assertThat(rateLimited).as("one RATE_LIMITED event per blocked request").hasSize(blocked.size());
      assertThat(rateLimited).allMatch(event -> "suspicious-activity".equals(event.getString("limiter")));
    }
  }

  @Test
  void parallelFailuresEmitOneEvent() throws Exception {
    int attempts = 20;
    ExecutorService pool = Executors.newFixedThreadPool(attempts);
    try (InProcessServer server = InProcessServer.start(SETTINGS); EventCapture events = new EventCapture()) {
      ApiClient client = server.client();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Response>> futures = new ArrayList<>();
      for (int i = 0; i < attempts; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return client.get("/v1/pets", "invalid-token");
        }));
      }
      go.countDown();
      List<Response> responses = new ArrayList<>();
      for (Future<Response> future : futures) {
        responses.add(future.get(60, TimeUnit.SECONDS));
      }

      List<JsonObject> suspicious = events.named("SUSPICIOUS_ACTIVITY", requestIds(responses));

      assertThat(statuses(responses).stream().filter(status -> status == 401)).as("failures recorded")
          .hasSize(THRESHOLD + 1);
      assertThat(statuses(responses).stream().filter(status -> status == 429)).as("requests rejected")
          .hasSize(attempts - THRESHOLD - 1);
      assertThat(suspicious).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void blockedUserLeavesOthersAlone() {
    try (InProcessServer server = InProcessServer.start(SETTINGS)) {
      ApiClient client = server.client();
      Fixtures.TestUser reader = user("read:pets");
      Fixtures.TestUser other = user("read:pets");
      String pet = new JsonObject().put("name", "Rex").put("species", "DOG").encode();

      List<Response> forbidden = new ArrayList<>();
      for (int i = 0; i <= THRESHOLD; i++) {
        forbidden.add(client.post("/v1/pets", reader.token(), pet));
      }
      Response blocked = client.get("/v1/pets", reader.token());
      Response otherUser = client.get("/v1/pets", other.token());
      Response anonymous = client.get("/v1/public/pets", null);

      assertThat(statuses(forbidden)).as("creating without write:pets").containsOnly(403);
      assertThat(blocked.status()).as("a valid request of the blocked user").isEqualTo(429);
      assertThat(blocked.json()).isEqualTo(BLOCKED_BODY);
      assertThat(otherUser.status()).as("another user on the same address").isEqualTo(200);
      assertThat(anonymous.status()).as("an anonymous request from the same address").isEqualTo(200);
    }
  }
}
