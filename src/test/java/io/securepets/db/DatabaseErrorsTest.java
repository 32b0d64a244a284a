package io.securepets.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.securepets.config.AppConfig;
import io.securepets.support.EmbeddedServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which failures count as "PostgreSQL unavailable", and how fast the pool reports them. The pool talks to
 * a loopback port where nothing listens, or to a socket that accepts connections and never responds, as
 * a frozen or unreachable server would.
 */
class DatabaseErrorsTest {

  /**
   * The pool gives up after its connection timeout. The extra second is headroom for timers that fire late
   * on a machine shared with other builds.
   */
  private static final Duration POOL_FAILURE_BOUND =
      Duration.ofMillis(PgConnections.POOL_CONNECTION_TIMEOUT_MS).plusSeconds(1);

  private Vertx vertx;
  private SilentServer silent;

  @BeforeEach
  void start() throws IOException {
    vertx = Vertx.vertx();
    silent = new SilentServer();
  }

  @AfterEach
  void stop() throws Exception {
    // Closing the silent server first fails the pending connections, which Vert.x waits for when it closes.
    silent.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @CsvSource({"08006, true", "08001, true", "57P01, true", "57P02, true", "57P03, true", "23505, false",
      "42P01, false", "57014, false"})
  void classifiesSqlState(String sqlState, boolean unavailable) {
    PgException error = new PgException("message", "FATAL", sqlState, null);

    assertThat(DatabaseErrors.isUnavailable(error)).isEqualTo(unavailable);
  }

  @Test
  void otherErrorsAreNotUnavailable() {
    assertThat(DatabaseErrors.isUnavailable(new IllegalStateException("Timeout waiting for connection"))).isFalse();
    assertThat(DatabaseErrors.isUnavailable(new VertxException("Timeout waiting for connection!"))).isFalse();
    assertThat(DatabaseErrors.isUnavailable(new java.util.concurrent.TimeoutException("Timeout"))).isFalse();
  }

  @Test
  void wrappedCauseIsUnavailable() {
    VertxException closed = new VertxException("Pending requests failed to be sent due to connection has been"
        + " closed.", new java.net.SocketException("Connection reset"));

    assertThat(DatabaseErrors.isUnavailable(new RuntimeException(closed))).isTrue();
  }

  @Test
  void guardWrapsConnectionReset() throws Exception {
    IOException reset = new IOException("Connection reset by peer");

    Timed result = timed(PgConnections.guard(Future.failedFuture(reset)));

    assertThat(result.failure()).isInstanceOf(DatabaseUnavailableException.class);
    assertThat(result.failure().getCause()).isSameAs(reset);
  }

  @Test
  void guardPassesConstraintViolation() throws Exception {
    PgException duplicate = new PgException("duplicate key", "ERROR", DatabaseErrors.UNIQUE_VIOLATION, null);

    Timed result = timed(PgConnections.guard(Future.failedFuture(duplicate)));

    assertThat(result.failure()).isSameAs(duplicate);
  }

  @Test
  void guardTimesOutSilentCall() throws Exception {
    Timed result = timed(PgConnections.guard(Promise.<Void>promise().future()));

    assertThat(result.failure()).isInstanceOf(DatabaseUnavailableException.class);
    assertThat(result.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(PgConnections.STATEMENT_TIMEOUT_MS));
  }

  @Test
  void refusedConnectionIsUnavailable() throws Exception {
    Pool pool = pool(EmbeddedServices.freePort(), 2);

    Timed result = timed(pool.query("SELECT 1").execute().mapEmpty());

    assertThat(result.failure()).as("failure of a query to a closed port").isNotNull();
    assertThat(DatabaseErrors.isUnavailable(result.failure())).as("%s", result.failure()).isTrue();
    assertThat(result.elapsed()).isLessThan(POOL_FAILURE_BOUND);
  }

  @Test
  void silentServerQueryTimesOut() throws Exception {
    Pool pool = pool(silent.port(), 2);

    Timed result = timed(pool.query("SELECT 1").execute().mapEmpty());

    assertThat(result.failure()).as("failure of a query to a silent server").isNotNull();
    assertThat(DatabaseErrors.isUnavailable(result.failure())).as("%s", result.failure()).isTrue();
    assertThat(result.elapsed()).isLessThan(POOL_FAILURE_BOUND);
  }

  @Test
  void refusedConnectionIsUnavailableToPipelinedClient() throws Exception {
    SqlClient client = pipelined(EmbeddedServices.freePort(), 2);

    Timed result = timed(client.preparedQuery("SELECT $1::int").execute(Tuple.of(1)).mapEmpty());

    assertThat(result.failure()).as("failure of a pipelined statement to a closed port").isNotNull();
    assertThat(DatabaseErrors.isUnavailable(result.failure())).as("%s", result.failure()).isTrue();
    assertThat(result.elapsed()).isLessThan(POOL_FAILURE_BOUND);
  }

  @Test
  void silentServerFailsPipelinedStatements() throws Exception {
    SqlClient client = pipelined(silent.port(), 4);
    List<Future<Void>> statements = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      statements.add(client.preparedQuery("SELECT $1::int").execute(Tuple.of(i)).mapEmpty());
    }

    for (Future<Void> statement : statements) {
      Timed result = timed(statement);
      assertThat(result.failure()).as("failure of a pipelined statement to a silent server").isNotNull();
      assertThat(DatabaseErrors.isUnavailable(result.failure())).as("%s", result.failure()).isTrue();
    }
  }

  @Test
  void pipelinedClientSplitsPoolSize() {
    AppConfig.Database eight = database(5432, 8);
    AppConfig.Database two = database(5432, 2);

    assertThat(PgConnections.lendingConnections(eight) + PgConnections.pipelinedConnections(eight)).isEqualTo(8);
    assertThat(PgConnections.pipelinedConnections(eight)).isEqualTo(2);
    assertThat(PgConnections.lendingConnections(two)).isEqualTo(1);
    assertThat(PgConnections.pipelinedConnections(two)).isEqualTo(1);
  }

  @Test
  void silentServerTransactionTimesOut() throws Exception {
    Pool pool = pool(silent.port(), 2);

    Timed result = timed(pool.withTransaction(connection -> connection.query("SELECT 1").execute()).mapEmpty());

    assertThat(result.failure()).as("failure of a transaction on a silent server").isNotNull();
    assertThat(DatabaseErrors.isUnavailable(result.failure())).as("%s", result.failure()).isTrue();
    assertThat(result.elapsed()).isLessThan(POOL_FAILURE_BOUND);
  }

  @Test
  void fullWaitQueueFailsAtOnce() throws Exception {
    int poolSize = 1;
    int queries = PgConnections.MAX_WAITING_PER_CONNECTION * poolSize + 10;
    Pool pool = pool(silent.port(), poolSize);
    Burst burst = burst(pool, queries);

    assertThat(burst.earlyFailures()).as("queries rejected within 200 ms").isNotEmpty();
    assertThat(burst.earlyFailures()).as("rejections not classified as unavailable")
        .filteredOn(error -> !DatabaseErrors.isUnavailable(error)).isEmpty();
  }

  @Test
  void waitQueueAdmitsProcessInFlight() throws Exception {
    int requestsInFlight = 300;
    Pool pool = PgConnections.pool(vertx, database(silent.port(), 2), false, requestsInFlight);
    Burst burst = burst(pool, requestsInFlight);

    assertThat(burst.earlyFailures()).as("queries rejected within 200 ms").isEmpty();
    assertThat(burst.queries()).as("queries failed after the connection timeout").allMatch(Future::failed);
  }

  /** The queries of a burst, and the failures among them that came within 200 ms of its start. */
  private record Burst(List<Future<Void>> queries, List<Throwable> earlyFailures) {
  }

  /** Sends {@code count} queries at once through {@code pool} and waits up to 10 s for all of them. */
  private static Burst burst(Pool pool, int count) throws Exception {
    List<Throwable> earlyFailures = new CopyOnWriteArrayList<>();
    List<Future<Void>> queries = new ArrayList<>();
    long start = System.nanoTime();

    for (int i = 0; i < count; i++) {
      Future<Void> query = pool.query("SELECT 1").execute().mapEmpty();
      query.onFailure(error -> {
        if (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(200)) {
          earlyFailures.add(error);
        }
      });
      queries.add(query);
    }
    Future.join(queries).toCompletionStage().toCompletableFuture().handle((ignored, error) -> null)
        .get(10, TimeUnit.SECONDS);
    return new Burst(queries, earlyFailures);
  }

  private Pool pool(int port, int poolSize) {
    return PgConnections.pool(vertx, database(port, poolSize), false);
  }

  private SqlClient pipelined(int port, int poolSize) {
    return PgConnections.pipelined(vertx, database(port, poolSize), false, 0);
  }

  private static AppConfig.Database database(int port, int poolSize) {
    return new AppConfig.Database("postgresql://postgres@127.0.0.1:" + port + "/pets", "127.0.0.1", port, "pets",
        "postgres", null, poolSize);
  }

  /** The failure of a finished database call, or null after a success, and the time it took. */
  private record Timed(Throwable failure, Duration elapsed) {
  }

  private static Timed timed(Future<Void> call) throws Exception {
    long start = System.nanoTime();
    Throwable failure = call.toCompletionStage().toCompletableFuture()
        .handle((ignored, error) -> error).get(10, TimeUnit.SECONDS);
    return new Timed(failure, Duration.ofNanos(System.nanoTime() - start));
  }

  /** A loopback socket that accepts connections and never reads or writes, like a frozen PostgreSQL. */
  private static final class SilentServer implements AutoCloseable {

    private final ServerSocket socket;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    SilentServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            accepted.add(socket.accept());
          } catch (IOException closed) {
            return;
          }
        }
      }, "silent-postgres");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : accepted) {
        connection.close();
      }
    }
  }
}
