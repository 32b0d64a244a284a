package io.securepets.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.support.ApiClient;
import io.securepets.support.ApiClient.Response;
import io.securepets.support.Fixtures;
import io.securepets.support.Fixtures.TestUser;
import io.securepets.support.InProcessServer;
import io.securepets.support.TestEnvironment;
import io.securepets.support.Waits;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Load shedding seen from the caller's side, on a server of its own with one verticle and a small
 * PETS_MAX_IN_FLIGHT. The test holds requests in flight with a PostgreSQL row lock: it locks a pet
 * with SELECT ... FOR UPDATE, so the server's UPDATE for a PATCH of that pet waits until the test
 * rolls back. No test-only code runs in the server.
 */
class OverloadTest {

  private static final JsonObject BUSY = new JsonObject()
      .put("error", "Service unavailable")
      .put("message", "Server busy, retry later");

  /**
   * Upper bound for a shed request. It needs no database or Redis call, so it is rejected well within
   * this even on a busy machine.
   */
  private static final Duration FAST = Duration.ofSeconds(3);

  private TestUser owner;
  private String petPath;
  private ExecutorService callers;

  @BeforeEach
  void createPet() {
    owner = Fixtures.user("write:pets");
    petPath = "/v1/pets/" + Fixtures.pet(owner, Map.of()).getString("id");
    callers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stopCallers() {
    callers.shutdownNow();
  }

  private static InProcessServer start(int maxInFlight) {
    return InProcessServer.start(Map.of("PETS_MAX_IN_FLIGHT", String.valueOf(maxInFlight), "PETS_INSTANCES", "1"));
  }

  @Test
  void excessRequestsGetFast503() throws Exception {
    try (InProcessServer server = start(2); Connection lock = TestEnvironment.get().database()) {
      ApiClient client = server.client();
      lockPet(lock);
      List<Future<Response>> held = new ArrayList<>();
      for (int age = 1; age <= 2; age++) {
        held.add(patchAge(client, age));
      }
      assertThat(Waits.until(() -> lockedUpdates() == 2, Duration.ofSeconds(10)))
          .as("both PATCH statements wait for the row lock")
          .isTrue();

      long started = System.nanoTime();
      Response shed = client.get(petPath, owner.token());
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      Response shedWithBody = client.post("/v1/pets", owner.token(), "{\"name\":\"Tom\",\"species\":\"CAT\"}");
      Response live = client.get("/health/live", null);

      assertThat(shed.status()).isEqualTo(503);
      assertThat(shed.header("Retry-After")).isEqualTo("1");
      assertThat(shed.json()).isEqualTo(BUSY);
      assertThat(shed.header("X-Request-Id")).as("security headers on a shed response").isNotNull();
      assertThat(elapsed).as("time to the 503").isLessThan(FAST);
      assertThat(shedWithBody.status()).isEqualTo(503);
      assertThat(live.status()).as("liveness is not shed").isEqualTo(200);

      lock.rollback();
      assertThat(held.get(0).get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(held.get(1).get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
      for (int i = 0; i < 5; i++) {
        assertThat(client.get(petPath, owner.token()).status()).as("request %d after the load", i).isEqualTo(200);
      }
      Future<Response> first = callers.submit(() -> client.get(petPath, owner.token()));
      Future<Response> second = callers.submit(() -> client.get(petPath, owner.token()));
      assertThat(first.get(20, TimeUnit.SECONDS).status()).as("two at once after the load").isEqualTo(200);
      assertThat(second.get(20, TimeUnit.SECONDS).status()).as("two at once after the load").isEqualTo(200);
    }
  }

  @Test
  void lockedRowStarvesNoOtherWrite() throws Exception {
    try (InProcessServer server = InProcessServer.start(Map.of("PETS_PG_POOL_SIZE", "4"));
        Connection lock = TestEnvironment.get().database()) {
      ApiClient client = server.client();
      lockPet(lock);
      List<Future<Response>> patches = new ArrayList<>();
      for (int age = 1; age <= 6; age++) {
        patches.add(patchAge(client, age));
      }
      for (Future<Response> patch : patches) {
        assertThat(patch.get(20, TimeUnit.SECONDS).status()).as("PATCH of the locked pet").isEqualTo(503);
      }

      assertThat(Waits.until(() -> lockedUpdates() == 0, Duration.ofSeconds(5)))
          .as("PostgreSQL canceled the waiting UPDATE statements").isTrue();
      Response created = client.post("/v1/pets", owner.token(), "{\"name\":\"Other\",\"species\":\"CAT\"}");
      Response ready = client.get("/health/ready", null);

      assertThat(created.status()).as("create while the lock is still held").isEqualTo(201);
      assertThat(ready.status()).as("readiness while the lock is still held").isEqualTo(200);
      lock.rollback();
    }
  }

  @Test
  void slowBodyHoldsNoSlot() throws Exception {
    String body = "{\"name\":\"Slow\",\"species\":\"CAT\"}";
    try (InProcessServer server = start(1); SSLSocket slow = connect(server)) {
      send(slow, createPetHead(body.length()));
      assertThat(readHead(slow)).as("the body reader asks for the body").startsWith("HTTP/1.1 100");

      Response other = server.client().get(petPath, owner.token());

      assertThat(other.status()).as("request while another one's body is pending").isEqualTo(200);
      send(slow, body);
      assertThat(readHead(slow)).startsWith("HTTP/1.1 201");
    }
  }

  @Test
  void completedBodyCheckedAgain() throws Exception {
    String body = "{\"name\":\"Late\",\"species\":\"CAT\"}";
    try (InProcessServer server = start(1); SSLSocket slow = connect(server);
        Connection lock = TestEnvironment.get().database()) {
      send(slow, createPetHead(body.length()));
      assertThat(readHead(slow)).as("the body reader asks for the body").startsWith("HTTP/1.1 100");
      lockPet(lock);
      Future<Response> held = patchAge(server.client(), 3);
      assertThat(Waits.until(() -> lockedUpdates() == 1, Duration.ofSeconds(10)))
          .as("the PATCH statement waits for the row lock")
          .isTrue();

      send(slow, body);
      String head = readHead(slow);

      assertThat(head).startsWith("HTTP/1.1 503");
      assertThat(head).containsIgnoringCase("\r\nRetry-After: 1\r\n");
      lock.rollback();
      assertThat(held.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }

  private Future<Response> patchAge(ApiClient client, int age) {
    return callers.submit(() -> client.patch(petPath, owner.token(), new JsonObject().put("age", age).encode()));
  }

  /** Locks the test's pet in a transaction that stays open until {@code lock} rolls back. */
  private void lockPet(Connection lock) throws SQLException {
    lock.setAutoCommit(false);
    try (PreparedStatement select = lock.prepareStatement("SELECT id FROM pets WHERE id = ?::uuid FOR UPDATE")) {
      select.setString(1, petPath.substring(petPath.lastIndexOf('/') + 1));
      select.executeQuery().close();
    }
  }

  /** Counts the server's statements on this database that wait for a row lock on a pets UPDATE. */
  private static int lockedUpdates() {
    try (Connection db = TestEnvironment.get().database();
        PreparedStatement count = db.prepareStatement("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE pets%'""");
        ResultSet rows = count.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read pg_stat_activity", e);
    }
  }

  private String createPetHead(int contentLength) {
    return "POST /v1/pets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + owner.token() + "\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + contentLength + "\r\n"
        + "Expect: 100-continue\r\n\r\n";
  }

  private static SSLSocket connect(InProcessServer server) throws IOException {
    SSLSocket socket = (SSLSocket) ApiClient.trusting(server.config().tlsCert()).getSocketFactory()
        .createSocket("localhost", server.port());
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setApplicationProtocols(new String[] {"http/1.1"});
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    return socket;
  }

  private static void send(SSLSocket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Reads one response head, up to and including the blank line, and leaves any body unread. */
  private static String readHead(SSLSocket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int next = in.read();
      if (next < 0) {
        throw new IOException("connection closed after: " + head.toString(StandardCharsets.ISO_8859_1));
      }
      head.write(next);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
