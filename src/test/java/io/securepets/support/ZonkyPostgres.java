package io.securepets.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL through zonky's EmbeddedPostgres, with a data directory and a port of its own so that it can
 * be stopped and started again. zonky skips initdb when the data directory already contains
 * postgresql.conf, so a restart serves the same data.
 */
final class ZonkyPostgres implements LocalPostgres {

  private static final Logger LOG = LoggerFactory.getLogger(ZonkyPostgres.class);

  private final Path data;
  private final int port;
  /** The running server, or null while stopped. */
  private EmbeddedPostgres server;
  private boolean closed;

  private ZonkyPostgres(Path data, int port) {
    this.data = data;
    this.port = port;
  }

  /** Runs initdb in a new temporary directory and starts the server on a free port. */
  static ZonkyPostgres start() {
    Path data;
    try {
      data = Files.createTempDirectory("pets-zonky-pg-");
    } catch (IOException e) {
      throw new IllegalStateException("creating a data directory for PostgreSQL failed: " + e, e);
    }
    ZonkyPostgres postgres = new ZonkyPostgres(data, EmbeddedServices.freePort());
    try {
      postgres.restart();
    } catch (IllegalStateException e) {
      deleteRecursively(data);
      throw e;
    }
    return postgres;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    try {
      // With cleanDataDirectory off, close() stops the server and keeps the data directory.
      server.close();
    } catch (IOException e) {
      LOG.warn("Stopping PostgreSQL on port {} failed: {}", port, e.toString());
    }
    server = null;
  }

  @Override
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("PostgreSQL on port " + port + " was closed and its data deleted");
    }
    if (server != null) {
      throw new IllegalStateException("PostgreSQL on port " + port + " is still running; stop it first");
    }
    try {
      // The shutdown hook of EmbeddedServices, or the test, closes the server.
      server = EmbeddedPostgres.builder()
          .setRegisterShutdownHook(false)
          .setDataDirectory(data)
          .setCleanDataDirectory(false)
          .setPort(port)
          .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot start PostgreSQL with zonky on port " + port + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    deleteRecursively(data);
  }

  private static void deleteRecursively(Path directory) {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(directory)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
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
