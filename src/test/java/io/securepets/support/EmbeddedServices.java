package io.securepets.support;

import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * Real PostgreSQL and Redis servers started from binaries that Maven downloads, on free loopback
 * ports, for machines that run neither. Each is started once per JVM. One shutdown hook first runs the
 * actions registered with {@link #beforeStop}, then stops Redis and PostgreSQL and deletes their files.
 *
 * <p>PostgreSQL runs through zonky's EmbeddedPostgres for a normal user. initdb and postgres exit at once
 * when started as root, so a JVM that runs as root starts them as the account "nobody" through
 * {@link UnprivilegedPostgres}, which needs only the right to change user ids. When no tool can switch
 * to that account, it falls back to zonky 2.x, which runs them under {@code unshare -U} if the kernel
 * and the container allow user namespaces.
 */
public final class EmbeddedServices {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);
  private static final String UNPRIVILEGED_ACCOUNT = "nobody";

  private static final Deque<Runnable> beforeStopActions = new ArrayDeque<>();
  private static boolean shutdownHookAdded;
  private static LocalPostgres postgres;
  private static RedisServer redis;
  private static int redisPort;

  private EmbeddedServices() {
  }

  /**
   * Starts PostgreSQL if needed and returns an admin URL such as postgresql://postgres@127.0.0.1:PORT/postgres.
   * Throws IllegalStateException naming the cause when it cannot start.
   */
  public static synchronized String postgresUrl() {
    if (postgres == null) {
      addShutdownHook();
      postgres = AccountSwitch.runningAsRoot() ? startAsRoot() : startWithZonky();
    }
    return "postgresql://postgres@127.0.0.1:" + postgres.port() + "/postgres";
  }

  /**
   * Starts a PostgreSQL server for the caller alone, separate from the shared one, on a free loopback port.
   * The caller may stop and restart it and must close it. If it is still running at JVM exit, the shutdown
   * hook closes it. Throws IllegalStateException naming the cause when it cannot start.
   */
  public static LocalPostgres startPostgres() {
    LocalPostgres server = AccountSwitch.runningAsRoot() ? startAsRoot() : startWithZonky();
    beforeStop(server::close);
    return server;
  }

  /** Starts Redis if needed and returns its URL, such as redis://127.0.0.1:PORT/0. */
  public static synchronized String redisUrl() {
    if (redis == null) {
      addShutdownHook();
      try {
        redisPort = freePort();
        RedisServer server = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
            .setting("save \"\"").setting("appendonly no").build();
        server.start();
        redis = server;
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("cannot start embedded Redis on 127.0.0.1:" + redisPort + ": " + e, e);
      }
      LOG.info("Started Redis on 127.0.0.1:{}", redisPort);
    }
    return "redis://127.0.0.1:" + redisPort + "/0";
  }

  /**
   * Registers an action for the shutdown hook to run before it stops the embedded servers, such as
   * closing a service that uses them. Actions run in reverse order of registration, and an action that
   * throws is logged and does not stop the others.
   */
  public static synchronized void beforeStop(Runnable action) {
    addShutdownHook();
    beforeStopActions.push(action);
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

  private static LocalPostgres startAsRoot() {
    List<String> problems = new ArrayList<>();
    Optional<AccountSwitch.Account> account = AccountSwitch.Account.fromPasswd(UNPRIVILEGED_ACCOUNT);
    List<AccountSwitch> switches = List.of();
    if (account.isPresent()) {
      switches = AccountSwitch.working(account.get(), problems);
    } else {
      problems.add("the account " + UNPRIVILEGED_ACCOUNT + " is not listed in /etc/passwd");
    }
    if (!switches.isEmpty()) {
      try {
        return UnprivilegedPostgres.start(switches.get(0));
      } catch (IllegalStateException e) {
        throw new IllegalStateException("cannot start embedded PostgreSQL as " + switches.get(0) + ": "
            + e.getMessage(), e);
      }
    }
    if (LinuxUtils.isUnshareAvailable()) {
      LOG.info("No tool could switch to the account {} ({}); starting PostgreSQL with zonky under unshare -U",
          UNPRIVILEGED_ACCOUNT, String.join("; ", problems));
      return startWithZonky();
    }
    throw new IllegalStateException("cannot start embedded PostgreSQL: this JVM runs as root, which initdb and"
        + " postgres reject, and it cannot run them as another account: " + String.join("; ", problems)
        + "; user namespaces (unshare -U) are unavailable too. Run the build as a normal user, install"
        + " util-linux for setpriv and runuser, or set PETS_TEST_PG_URL to an existing server.");
  }

  private static LocalPostgres startWithZonky() {
    return ZonkyPostgres.start();
  }

  /**
   * Runs the actions registered with {@link #beforeStop}, then stops Redis and PostgreSQL. The shutdown
   * hook calls it at JVM exit, and a call after the servers have stopped does nothing.
   */
  public static synchronized void stop() {
    while (!beforeStopActions.isEmpty()) {
      try {
        beforeStopActions.pop().run();
      } catch (RuntimeException | LinkageError e) {
        // A LinkageError, such as NoClassDefFoundError once exec:java has closed the class loader, must not
        // keep the servers running.
        LOG.warn("An action before stopping the embedded servers failed", e);
      }
    }
    if (redis != null) {
      try {
        redis.stop();
        LOG.info("Stopped Redis on 127.0.0.1:{}", redisPort);
      } catch (IOException | RuntimeException e) {
        LOG.warn("Stopping embedded Redis on port {} failed: {}", redisPort, e.toString());
      }
      redis = null;
    }
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }

  private static void addShutdownHook() {
    if (!shutdownHookAdded) {
      // exec:java (exec-maven-plugin 3.6.2) destroys the thread group of the main method once main returns or
      // throws, and a thread in a destroyed group cannot start, so the hook thread joins the root group.
      ThreadGroup root = Thread.currentThread().getThreadGroup();
      while (root.getParent() != null) {
        root = root.getParent();
      }
      Runtime.getRuntime().addShutdownHook(new Thread(root, EmbeddedServices::stop, "embedded-services-stop"));
      shutdownHookAdded = true;
    }
  }
}
