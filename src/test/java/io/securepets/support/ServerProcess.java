package io.securepets.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The service as a child JVM ({@code java -cp <test class path> io.securepets.Main}) with the given
 * environment, so a test reads exactly what an operator reads on stdout and stderr. Both streams are
 * collected line by line. Close it to send SIGTERM and wait for the exit.
 */
public final class ServerProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;
  private final ApiClient client;
  private final int port;

  private ServerProcess(Map<String, String> environment) {
    this.port = Integer.parseInt(environment.get("PETS_HTTPS_PORT"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.securepets.Main");
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    builder.environment().putAll(environment);
    try {
      this.process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the server process", e);
    }
    this.stdoutReader = collect(process.getInputStream(), stdout, "server-stdout-" + port);
    this.stderrReader = collect(process.getErrorStream(), stderr, "server-stderr-" + port);
    this.client = new ApiClient(port, Path.of(environment.get("PETS_TLS_CERT")), HttpClient.Version.HTTP_1_1);
  }

  /**
   * Starts the service with {@code environment} and waits until GET /health/live returns 200.
   * Throws, with the process's stderr, when it exits first or is not live within 90 s.
   */
  public static ServerProcess start(Map<String, String> environment) {
    ServerProcess server = new ServerProcess(environment);
    boolean live = Waits.until(() -> !server.process.isAlive() || server.isLive(), START_TIMEOUT);
    if (!live || !server.process.isAlive()) {
      server.close();
      throw new IllegalStateException("the server process on port " + server.port + " did not start; stderr:\n"
          + String.join("\n", server.stderr));
    }
    return server;
  }

  private boolean isLive() {
    try {
      return client.get("/health/live", null).status() == 200;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  private static Thread collect(InputStream stream, List<String> lines, String name) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("<reading " + name + " failed: " + e + ">");
      }
    }, name);
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  public ApiClient client() {
    return client;
  }

  public int port() {
    return port;
  }

  /** Returns the stdout lines read so far. */
  public List<String> stdout() {
    return List.copyOf(stdout);
  }

  /** Returns the stderr lines read so far. */
  public List<String> stderr() {
    return List.copyOf(stderr);
  }

  /** Sends SIGTERM and returns the exit code, or -1 when the process did not exit within {@code timeout}. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return -1;
    }
    return process.exitValue();
  }

  /**
   * Kills the process with SIGKILL (what Process.destroyForcibly sends on Linux), so that no shutdown hook
   * runs, and returns its exit code, 137 on Linux. Throws IllegalStateException when it is still running
   * after 10 s.
   */
  public int kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the server process on port " + port + " still runs 10 s after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the killed server process", e);
    }
    return process.exitValue();
  }

  /** Sends SIGTERM, waits for the exit (SIGKILL after 20 s) and for both streams to be read to the end. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      stdoutReader.join(5000);
      stderrReader.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
