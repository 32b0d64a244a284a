package io.securepets.support;

/** A PostgreSQL server that this JVM started on 127.0.0.1, with the superuser "postgres" and trust authentication. */
interface LocalPostgres extends AutoCloseable {

  int port();

  /** Stops the server and deletes its data directory. */
  @Override
  void close();
}
