package io.securepets.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.EmbeddedServices;
import io.securepets.support.Fixtures;
import io.securepets.support.ServerProcess;
import io.securepets.support.ServerSettings;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two server processes on one database and one Redis key prefix, as behind a load balancer, enforce
 * one login limit between them.
 */
class TwoProcessTest {

  private static final int LOGIN_LIMIT = 5;

  private static Response failedLogin(ApiClient client, String email) {
    return client.post("/v1/auth/login", null,
        new JsonObject().put("email", email).put("password", "wrong password " + UUID.randomUUID()).encode());
  }

  @Test
  void loginLimitSharedAcrossProcesses() {
    Map<String, String> first = ServerSettings.fresh();
    first.put("PETS_INSTANCES", "1");
    first.put("PETS_LIMIT_LOGIN", String.valueOf(LOGIN_LIMIT));
    first.put("PETS_LIMIT_GLOBAL", "1000");
    first.put("PETS_SUSPICIOUS_THRESHOLD", "1000");
    Map<String, String> second = new HashMap<>(first);
    second.put("PETS_HTTPS_PORT", String.valueOf(EmbeddedServices.freePort()));
    String email = "two-processes-" + UUID.randomUUID() + "@example.com";
    Fixtures.insertUser(email, "Two Processes", "user", List.of("read:pets"));

    CompletableFuture<ServerProcess> startingFirst = CompletableFuture.supplyAsync(() -> ServerProcess.start(first));
    CompletableFuture<ServerProcess> startingSecond = CompletableFuture.supplyAsync(() -> ServerProcess.start(second));
    try {
      ServerProcess a = startingFirst.join();
      ServerProcess b = startingSecond.join();
      ApiClient[] alternating = {a.client(), b.client()};
      List<Response> attempts = new ArrayList<>();
      for (int i = 0; i < LOGIN_LIMIT; i++) {
        attempts.add(failedLogin(alternating[i % 2], email));
      }
      Response sixthOnSecond = failedLogin(b.client(), email);
      Response sixthOnFirst = failedLogin(a.client(), email);

      for (int i = 0; i < attempts.size(); i++) {
        String process = i % 2 == 0 ? "first" : "second";
        assertThat(attempts.get(i).status()).as("attempt %d, on the %s process", i + 1, process).isEqualTo(401);
        assertThat(attempts.get(i).header("RateLimit-Remaining")).as("remaining after attempt %d", i + 1)
            .isEqualTo(String.valueOf(LOGIN_LIMIT - 1 - i));
      }
      assertThat(sixthOnSecond.status()).as("attempt 6 on the second process").isEqualTo(429);
      assertThat(sixthOnFirst.status()).as("attempt 6 on the first process").isEqualTo(429);
      assertThat(sixthOnFirst.json().getString("error")).isEqualTo("Too many requests");
    } finally {
      // Stops each process that started, also when the other one failed to.
      startingFirst.thenAccept(ServerProcess::close);
      startingSecond.thenAccept(ServerProcess::close);
    }
  }
}
