package io.securepets.support;

/** A PostgreSQL server that this JVM started on 127.0.0.1, with the superuser "postgres" and trust authentication. */
public interface LocalPostgres extends AutoCloseable {

  int port();

  /** Returns the admin URL, postgresql://postgres@127.0.0.1:PORT/postgres. */
  default String adminUrl() {
    return "postgresql://postgres@127.0.0.1:" + port() + "/postgres";
  }

  /** Stops the server with PostgreSQL's fast shutdown and keeps its data directory for {@link #restart()}. */
  void stop();

  /**
   * Starts the stopped server again on the same port with the same data directory, and returns once it
   * accepts connections. Throws IllegalStateException when it does not start.
   */
  void restart();

  /** Stops the server and deletes its data directory. */
  @Override
  void close();
}
