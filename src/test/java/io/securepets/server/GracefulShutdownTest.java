package io.securepets.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.Fixtures;
import io.securepets.support.ServerProcess;
import io.securepets.support.ServerSettings;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with requests in flight: the real server process finishes them within the grace period,
 * then stops accepting connections and exits 0.
 */
class GracefulShutdownTest {

  private static final int REQUESTS = 8;

  @Test
  void sigtermFinishesRequestsInFlight() throws Exception {
    Map<String, String> settings = ServerSettings.fresh();
    settings.put("PETS_SHUTDOWN_GRACE_SECONDS", "10");
    settings.put("PETS_INSTANCES", "1");
    String email = Fixtures.user("read:pets").email();
    String body = new JsonObject().put("email", email).put("password", Fixtures.PASSWORD).encode();
    ServerProcess server = ServerProcess.start(settings);
    ApiClient client = server.client();
    ExecutorService callers = Executors.newFixedThreadPool(REQUESTS);
    try {
      // Each login hashes with argon2id on a pool of two threads, so the batch stays in flight for a while.
      List<Future<Integer>> logins = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        logins.add(callers.submit(() -> client.post("/v1/auth/login", null, body).status()));
      }
      Thread.sleep(300);

      int exitCode = server.terminate(Duration.ofSeconds(20));

      for (Future<Integer> login : logins) {
        assertThat(login.get()).isEqualTo(200);
      }
      assertThat(exitCode).isEqualTo(0);
      assertThat(refusesConnections(client)).isTrue();
    } finally {
      callers.shutdownNow();
      server.close();
    }
  }

  private static boolean refusesConnections(ApiClient client) {
    try {
      client.get("/health/live", null);
      return false;
    } catch (UncheckedIOException e) {
      return true;
    }
  }
}
