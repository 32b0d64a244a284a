package io.securepets.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.Fixtures;
import io.securepets.support.ServerProcess;
import io.securepets.support.ServerSettings;
import io.securepets.support.TestEnvironment;
import io.securepets.support.Waits;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Kills the service with SIGKILL while clients create pets, and checks that every pet whose 201 reached a
 * client is stored. The service runs as a child JVM on the shared test database.
 */
class CrashSafetyTest {

  private static final int CLIENTS = 4;
  /** Creates that must be acknowledged before the kill, so that it lands in the middle of the stream. */
  private static final int ACKNOWLEDGED_BEFORE_KILL = 40;
  private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);

  /** One create request: the pet name it sent, and its status and pet id, or the error that ended it. */
  private record Attempt(String name, long startNanos, int status, UUID petId, String error) {
  }

  @Test
  void acknowledgedCreatesSurviveKill() throws Exception {
    Fixtures.TestUser owner = Fixtures.user("read:pets", "write:pets");
    ServerProcess server = ServerProcess.start(ServerSettings.fresh());
    List<Attempt> attempts = new CopyOnWriteArrayList<>();
    AtomicBoolean killed = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    int exitCode;
    long killedAt;
    try {
      List<Future<?>> loops = new ArrayList<>();
      for (int client = 0; client < CLIENTS; client++) {
        String prefix = "Crash " + client + "-";
        loops.add(clients.submit(() -> createUntilKilled(server.client(), owner.token(), prefix, killed, attempts)));
      }
      boolean enough = Waits.until(() -> acknowledged(attempts).size() >= ACKNOWLEDGED_BEFORE_KILL, STREAM_TIMEOUT);
      assertThat(enough).as("%d creates acknowledged before the kill", ACKNOWLEDGED_BEFORE_KILL).isTrue();
      killedAt = System.nanoTime();
      exitCode = server.kill();
      killed.set(true);
      for (Future<?> loop : loops) {
        loop.get(30, TimeUnit.SECONDS);
      }
    } finally {
      clients.shutdownNow();
      server.close();
    }

    List<Attempt> acknowledged = acknowledged(attempts);
    List<Attempt> inFlight = attempts.stream()
        .filter(attempt -> attempt.error() != null && attempt.startNanos() < killedAt).toList();
    List<Attempt> rejected = attempts.stream()
        .filter(attempt -> attempt.error() == null && attempt.status() != 201).toList();
    long refused = attempts.stream().filter(attempt -> attempt.error() != null && attempt.startNanos() >= killedAt)
        .count();
    Set<String> storedNames = storedNames(owner.id());
    Set<UUID> foundIds = storedIds(acknowledged.stream().map(Attempt::petId).toList());
    List<UUID> lost = acknowledged.stream().map(Attempt::petId).filter(id -> !foundIds.contains(id)).toList();
    long inFlightStored = inFlight.stream().filter(attempt -> storedNames.contains(attempt.name())).count();
    Set<String> sentNames = new HashSet<>();
    attempts.forEach(attempt -> sentNames.add(attempt.name()));

    System.out.printf("CrashSafetyTest: %d creates acknowledged with 201, %d in flight at SIGKILL without a"
            + " response (%d of them stored), %d refused after the kill%n", acknowledged.size(), inFlight.size(),
        inFlightStored, refused);

    assertThat(exitCode).as("exit code of the killed server, 128 + SIGKILL (9)").isEqualTo(137);
    assertThat(rejected).as("creates answered with a status other than 201").isEmpty();
    assertThat(lost).as("ids of acknowledged pets missing from the database").isEmpty();
    assertThat(storedNames).as("stored pets that no request sent").isSubsetOf(sentNames);
  }

  /** Sends creates one after another until the server is killed, recording every attempt. */
  private static void createUntilKilled(ApiClient client, String token, String prefix, AtomicBoolean killed,
      List<Attempt> attempts) {
    for (int i = 0; !killed.get(); i++) {
      String name = prefix + i;
      long start = System.nanoTime();
      try {
        ApiClient.Response response = client.post("/v1/pets", token,
            new JsonObject().put("name", name).put("species", "RABBIT").encode());
        UUID id = response.status() == 201 ? UUID.fromString(response.json().getString("id")) : null;
        attempts.add(new Attempt(name, start, response.status(), id, null));
      } catch (UncheckedIOException e) {
        attempts.add(new Attempt(name, start, -1, null, e.getCause().toString()));
        // The server is gone. Wait for the kill to be marked instead of spinning on refused connections.
        Waits.until(killed::get, Duration.ofSeconds(10));
      }
    }
  }

  private static List<Attempt> acknowledged(List<Attempt> attempts) {
    return attempts.stream().filter(attempt -> attempt.status() == 201).toList();
  }

  /** Returns the names of the owner's stored pets. */
  private static Set<String> storedNames(UUID ownerId) throws SQLException {
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement select = db.prepareStatement("SELECT name FROM pets WHERE owner_id = ?")) {
      select.setObject(1, ownerId);
      Set<String> names = new HashSet<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          names.add(rows.getString(1));
        }
      }
      return names;
    }
  }

  /** Returns the ids among {@code ids} that a query by id finds in the pets table. */
  private static Set<UUID> storedIds(List<UUID> ids) throws SQLException {
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement select = db.prepareStatement("SELECT id FROM pets WHERE id = ANY (?)")) {
      select.setArray(1, db.createArrayOf("uuid", ids.toArray()));
      Set<UUID> found = new HashSet<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          found.add(rows.getObject(1, UUID.class));
        }
      }
      return found;
    }
  }
}
