package io.securepets.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.InProcessServer;
import io.securepets.support.RawHttps;
import io.securepets.support.RedisKeys;
import io.securepets.support.TestClock;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The sliding-window limits over real TLS against real Redis. Each test starts its own server with
 * a new key prefix and low limits, and moves the limiter's clock instead of waiting.
 */
class RateLimitTest {

  private static final long WINDOW_MS = 60_000;
  private static final int GLOBAL_LIMIT = 5;
  private static final int LOGIN_LIMIT = 3;
  private static final int CREATE_PET_LIMIT = 2;

  private static final Map<String, String> LOW_LIMITS = Map.of(
      "PETS_LIMIT_GLOBAL", String.valueOf(GLOBAL_LIMIT),
      "PETS_LIMIT_GLOBAL_WINDOW_SECONDS", "60",
      "PETS_LIMIT_LOGIN", String.valueOf(LOGIN_LIMIT),
      "PETS_LIMIT_LOGIN_WINDOW_SECONDS", "60",
      "PETS_LIMIT_CREATE_PET", String.valueOf(CREATE_PET_LIMIT),
      "PETS_LIMIT_CREATE_PET_WINDOW_SECONDS", "60",
      "PETS_SUSPICIOUS_THRESHOLD", "4",
      "PETS_SUSPICIOUS_WINDOW_SECONDS", "60");

  private static InProcessServer start(Map<String, String> overrides) {
    Map<String, String> settings = new HashMap<>(LOW_LIMITS);
    settings.putAll(overrides);
    return InProcessServer.start(settings);
  }

  private static InProcessServer start() {
    return start(Map.of());
  }

  private static Response failedLogin(ApiClient client, String email) {
    return client.post("/v1/auth/login", null,
        new JsonObject().put("email", email).put("password", "wrong password " + UUID.randomUUID()).encode());
  }

  private static Response login(ApiClient client, String email, String password) {
    return client.post("/v1/auth/login", null,
        new JsonObject().put("email", email).put("password", password).encode());
  }

  private static Response createPet(ApiClient client, String token) {
    return client.post("/v1/pets", token, new JsonObject().put("name", "Rex").put("species", "DOG").encode());
  }

  /** Creates a user with role "user"; Fixtures.user(String...) alone is ambiguous with its role overload. */
  private static Fixtures.TestUser user(String... scopes) {
    return Fixtures.user(scopes);
  }

  private static String newEmail() {
    return "limits-" + UUID.randomUUID() + "@example.com";
  }

  @Test
  void limitedRoutesCarryHeaders() {
    try (InProcessServer server = start()) {
      ApiClient client = server.client();
      Fixtures.TestUser owner = user("read:pets", "write:pets");

      Response first = client.get("/v1/public/pets", null);
      server.clock().advance(10_000);
      Response second = client.get("/v1/public/pets", null);
      Response login = failedLogin(client, newEmail());
      Response created = createPet(client, owner.token());

      assertThat(first.status()).isEqualTo(200);
      assertThat(first.header("RateLimit-Limit")).isEqualTo("5");
      assertThat(first.header("RateLimit-Remaining")).isEqualTo("4");
      assertThat(first.header("RateLimit-Reset")).isEqualTo("60");
      assertThat(second.header("RateLimit-Remaining")).isEqualTo("3");
      assertThat(second.header("RateLimit-Reset")).as("seconds until the first request leaves").isEqualTo("50");
      assertThat(login.status()).isEqualTo(401);
      assertThat(login.header("RateLimit-Limit")).isEqualTo("3");
      assertThat(login.header("RateLimit-Remaining")).isEqualTo("2");
      assertThat(login.header("RateLimit-Reset")).isEqualTo("60");
      assertThat(created.status()).isEqualTo(201);
      assertThat(created.header("RateLimit-Limit")).isEqualTo("2");
      assertThat(created.header("RateLimit-Remaining")).isEqualTo("1");
      assertThat(created.header("RateLimit-Reset")).isEqualTo("60");
    }
  }

  @Test
  void requestOverLimitGets429() {
    try (InProcessServer server = start()) {
      ApiClient client = server.client();
      for (int i = 1; i <= GLOBAL_LIMIT; i++) {
        assertThat(client.get("/v1/public/pets", null).status()).as("request %d", i).isEqualTo(200);
      }

      Response rejected = client.get("/v1/public/pets", null);
      server.clock().advance(WINDOW_MS);
      Response afterWindow = client.get("/v1/public/pets", null);

      assertThat(rejected.status()).isEqualTo(429);
      assertThat(rejected.json()).isEqualTo(new JsonObject().put("error", "Too many requests"));
      assertThat(rejected.header("Retry-After")).isEqualTo("60");
      assertThat(rejected.header("RateLimit-Remaining")).isEqualTo("0");
      assertThat(rejected.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
      assertThat(afterWindow.status()).as("a window later").isEqualTo(200);
    }
  }

  @Test
  void successfulLoginsDoNotCount() {
    try (InProcessServer server = start(Map.of("PETS_LIMIT_GLOBAL", "100"))) {
      ApiClient client = server.client();
      String email = newEmail();
      Fixtures.insertUser(email, "Login Limit", "user", List.of("read:pets"));

      List<Response> successes = new ArrayList<>();
      for (int i = 0; i < LOGIN_LIMIT + 2; i++) {
        successes.add(login(client, email, Fixtures.PASSWORD));
      }
      List<Response> failures = new ArrayList<>();
      for (int i = 0; i < LOGIN_LIMIT; i++) {
        failures.add(failedLogin(client, email));
      }
      Response rejected = failedLogin(client, email);
      Response rejectedSuccess = login(client, email, Fixtures.PASSWORD);

      for (int i = 0; i < successes.size(); i++) {
        assertThat(successes.get(i).status()).as("successful login %d", i + 1).isEqualTo(200);
        assertThat(successes.get(i).header("RateLimit-Remaining")).as("remaining after success %d", i + 1)
            .isEqualTo("3");
      }
      for (int i = 0; i < failures.size(); i++) {
        assertThat(failures.get(i).status()).as("failed login %d", i + 1).isEqualTo(401);
        assertThat(failures.get(i).header("RateLimit-Remaining")).as("remaining after failure %d", i + 1)
            .isEqualTo(String.valueOf(LOGIN_LIMIT - 1 - i));
      }
      assertThat(rejected.status()).isEqualTo(429);
      assertThat(rejected.header("RateLimit-Limit")).as("the login window rejected").isEqualTo("3");
      assertThat(rejectedSuccess.status()).as("correct password once the window is full").isEqualTo(429);
    }
  }

  @Test
  void createPetLimitIsPerUser() {
    try (InProcessServer server = start(Map.of("PETS_LIMIT_GLOBAL", "100"))) {
      ApiClient client = server.client();
      Fixtures.TestUser first = user("read:pets", "write:pets");
      Fixtures.TestUser second = user("read:pets", "write:pets");

      List<Response> created = new ArrayList<>();
      for (int i = 0; i < CREATE_PET_LIMIT; i++) {
        created.add(createPet(client, first.token()));
      }
      Response rejected = createPet(client, first.token());
      Response otherUser = createPet(client, second.token());
      Response listing = client.get("/v1/pets", first.token());

      for (int i = 0; i < created.size(); i++) {
        assertThat(created.get(i).status()).as("pet %d", i + 1).isEqualTo(201);
      }
      assertThat(rejected.status()).isEqualTo(429);
      assertThat(rejected.json().getString("error")).isEqualTo("Too many requests");
      assertThat(rejected.header("Retry-After")).isEqualTo("60");
      assertThat(rejected.header("RateLimit-Limit")).isEqualTo("2");
      assertThat(otherUser.status()).as("another user's first pet").isEqualTo(201);
      assertThat(listing.status()).as("other routes of the same user").isEqualTo(200);
      assertThat(listing.json().getJsonArray("items")).as("no pet was stored for the rejected request")
          .hasSize(CREATE_PET_LIMIT);
    }
  }

  @Test
  void globalKeyedByUserWhenAuthenticated() {
    try (InProcessServer server = start()) {
      ApiClient client = server.client();
      Fixtures.TestUser first = user("read:pets");
      Fixtures.TestUser second = user("read:pets");
      for (int i = 1; i <= GLOBAL_LIMIT; i++) {
        assertThat(client.get("/v1/pets", first.token()).status()).as("request %d", i).isEqualTo(200);
      }

      Response rejected = client.get("/v1/pets", first.token());
      Response otherUser = client.get("/v1/pets", second.token());
      Response anonymous = client.get("/v1/public/pets", null);

      assertThat(rejected.status()).isEqualTo(429);
      assertThat(otherUser.status()).as("another user from the same address").isEqualTo(200);
      assertThat(anonymous.status()).as("an anonymous request from the same address").isEqualTo(200);
    }
  }

  @Test
  void globalKeyedByAddressOtherwise() {
    try (InProcessServer server = start()) {
      ApiClient client = server.client();
      RawHttps raw = new RawHttps(server.port(), server.config().tlsCert());
      Fixtures.TestUser user = user("read:pets");
      for (int i = 1; i <= GLOBAL_LIMIT; i++) {
        assertThat(client.get("/v1/public/pets", null).status()).as("request %d", i).isEqualTo(200);
      }

      Response rejected = client.get("/v1/public/pets", null);
      RawHttps.Response otherAddress = raw.send("127.0.0.2", "GET", "/v1/public/pets", List.of());
      Response authenticated = client.get("/v1/pets", user.token());

      assertThat(rejected.status()).isEqualTo(429);
      assertThat(otherAddress.status()).as("the same request from 127.0.0.2").isEqualTo(200);
      assertThat(authenticated.status()).as("an authenticated request from 127.0.0.1").isEqualTo(200);
    }
  }

  @Test
  void burstAcrossBoundaryRejected() {
    try (InProcessServer server = start()) {
      ApiClient client = server.client();
      TestClock clock = server.clock();
      long start = clock.getAsLong();

      clock.set(start + WINDOW_MS - 1);
      List<Integer> beforeBoundary = new ArrayList<>();
      for (int i = 0; i < GLOBAL_LIMIT; i++) {
        beforeBoundary.add(client.get("/v1/public/pets", null).status());
      }
      clock.set(start + WINDOW_MS + 1);
      List<Integer> afterBoundary = new ArrayList<>();
      for (int i = 0; i < GLOBAL_LIMIT; i++) {
        afterBoundary.add(client.get("/v1/public/pets", null).status());
      }

      assertThat(beforeBoundary).as("just before a fixed boundary").containsOnly(200);
      assertThat(afterBoundary).as("2 ms later, just after it").containsOnly(429);
    }
  }

  @Test
  void windowSlidesWithOldestRequests() {
    try (InProcessServer server = start()) {
      ApiClient client = server.client();
      TestClock clock = server.clock();
      long start = clock.getAsLong();
      List<Long> admitted = new ArrayList<>();

      int early = send(client, clock, 2, admitted);
      clock.set(start + WINDOW_MS - 1);
      int late = send(client, clock, 4, admitted);
      clock.set(start + WINDOW_MS + 1);
      int afterFirstLeft = send(client, clock, 3, admitted);
      Response rejected = client.get("/v1/public/pets", null);
      clock.set(start + 2 * WINDOW_MS - 1);
      int afterLateLeft = send(client, clock, 4, admitted);

      assertThat(early).as("admitted at the start").isEqualTo(2);
      assertThat(late).as("admitted just before one window passed").isEqualTo(3);
      assertThat(afterFirstLeft).as("admitted once the first 2 left the window").isEqualTo(2);
      assertThat(rejected.status()).isEqualTo(429);
      assertThat(rejected.header("Retry-After")).as("until the 3 late requests leave").isEqualTo("60");
      assertThat(afterLateLeft).as("admitted once the 3 late requests left").isEqualTo(3);
      for (long from : admitted) {
        long inWindow = admitted.stream().filter(time -> time >= from && time < from + WINDOW_MS).count();
        assertThat(inWindow).as("admitted in the window starting at +%d ms", from - start)
            .isLessThanOrEqualTo(GLOBAL_LIMIT);
      }
    }
  }

  /** Sends {@code count} requests at the clock's current time; records and returns the admitted ones. */
  private static int send(ApiClient client, TestClock clock, int count, List<Long> admitted) {
    int passed = 0;
    for (int i = 0; i < count; i++) {
      int status = client.get("/v1/public/pets", null).status();
      assertThat(status).as("status of an anonymous list request").isIn(200, 429);
      if (status == 200) {
        admitted.add(clock.getAsLong());
        passed++;
      }
    }
    return passed;
  }

  @Test
  void everyLimiterKeyExpires() {
    try (InProcessServer server = start(Map.of("PETS_LIMIT_GLOBAL", "100", "PETS_SUSPICIOUS_THRESHOLD", "1"))) {
      ApiClient client = server.client();
      Fixtures.TestUser owner = user("read:pets", "write:pets");
      String email = newEmail();
      Fixtures.insertUser(email, "Key Expiry", "user", List.of("read:pets"));

      assertThat(client.get("/v1/public/pets", null).status()).isEqualTo(200);
      assertThat(createPet(client, owner.token()).status()).isEqualTo(201);
      assertThat(login(client, email, Fixtures.PASSWORD).status()).isEqualTo(200);
      assertThat(failedLogin(client, email).status()).isEqualTo(401);
      assertThat(client.get("/v1/pets", "not-a-token").status()).as("second failure, which starts a block")
          .isEqualTo(401);
      assertThat(client.get("/v1/public/pets", null).status()).as("blocked").isEqualTo(429);

      Map<String, Long> ttls = RedisKeys.ttls(server.redisUrl(), server.keyPrefix());

      assertThat(ttls.keySet()).as("keys written by the limiter")
          .anyMatch(key -> key.endsWith(":global"))
          .anyMatch(key -> key.endsWith(":login"))
          .anyMatch(key -> key.endsWith(":create-pet"))
          .anyMatch(key -> key.endsWith(":failures"))
          .anyMatch(key -> key.endsWith(":block"));
      ttls.forEach((key, ttl) -> assertThat(ttl).as("PTTL of %s", key).isPositive());
    }
  }

  @Test
  void parallelFailedLoginsAdmitExactlyLimit() throws Exception {
    int attempts = 50;
    int limit = 5;
    Map<String, String> settings = Map.of("PETS_LIMIT_LOGIN", String.valueOf(limit), "PETS_LIMIT_GLOBAL", "1000",
        "PETS_SUSPICIOUS_THRESHOLD", "1000");
    ExecutorService pool = Executors.newFixedThreadPool(attempts);
    try (InProcessServer server = start(settings)) {
      ApiClient client = server.client();
      String email = newEmail();
      Fixtures.insertUser(email, "Parallel Logins", "user", List.of("read:pets"));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Response>> responses = new ArrayList<>();
      for (int i = 0; i < attempts; i++) {
        responses.add(pool.submit(() -> {
          go.await();
          return failedLogin(client, email);
        }));
      }
      go.countDown();

      Map<Integer, Integer> byStatus = new HashMap<>();
      List<String> rejectionErrors = new ArrayList<>();
      for (Future<Response> future : responses) {
        Response response = future.get(60, TimeUnit.SECONDS);
        byStatus.merge(response.status(), 1, Integer::sum);
        if (response.status() == 429) {
          rejectionErrors.add(response.json().getString("error"));
        }
      }

      assertThat(byStatus.getOrDefault(401, 0)).as("attempts admitted and checked").isEqualTo(limit);
      assertThat(byStatus.getOrDefault(429, 0)).as("attempts rejected").isEqualTo(attempts - limit);
      assertThat(rejectionErrors).containsOnly("Too many requests");
    } finally {
      pool.shutdownNow();
    }
  }
}
