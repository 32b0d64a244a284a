package io.securepets.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.securepets.events.SecurityEvents;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Emitter} in a child JVM with the production logback.xml and checks both streams:
 * application log lines on stderr in the format PETS_LOG_FORMAT selects, and the security event on
 * stdout as the bare JSON line that {@link SecurityEvents} built, whatever the format.
 */
class LogOutputTest {

  /** Seconds the child may take to exit: it only starts logback, but other builds may share the machine. */
  private static final long EXIT_TIMEOUT_SECONDS = 30;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UTC_TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";
  private static final List<String> EVENT_FIELDS = List.of("timestamp", "event", "ip", "userId", "endpoint",
      "method", "userAgent", "requestId", "reason");

  /**
   * Events that the burst child queues before it exits, about 400 KB of output: far more than a pipe
   * buffers, and few enough that the shutdown hook writes the rest well within the async appender's
   * maxFlushTime of 1 s while {@link #readSlowly} reads at an estimated 4 MB/s at most.
   * NOTE: the loss this guards against depends on timing. With the hook removed from logback.xml,
   * two runs on a 2-core machine lost 356 and 366 of the 2000 events, but a faster reader may not.
   */
  private static final int BURST_EVENTS = 2000;

  @TempDir
  Path directory;

  /**
   * Logs one plain line and one error with key-value pairs and a cause, emits one security event,
   * then calls {@link System#exit} without stopping logback, as the service does on SIGTERM.
   */
  public static final class Emitter {
    public static void main(String[] args) {
      Logger log = LoggerFactory.getLogger("io.securepets.test.Emitter");
      log.info("Plain line");
      log.atError()
          .addKeyValue("requestId", "req-7")
          .addKeyValue("status", 500)
          .setCause(new IllegalStateException("boom", new IOException("disk full")))
          .log("Unhandled failure");
      SecurityEvents.emitProcessEvent("LIMITER_DEGRADED", new JsonObject().put("reason", "ConnectException"));
      System.exit(0);
    }
  }

  /** Emits {@link #BURST_EVENTS} security events, then calls {@link System#exit} at once. */
  public static final class BurstEmitter {
    public static void main(String[] args) {
      for (int i = 0; i < BURST_EVENTS; i++) {
        SecurityEvents.emitProcessEvent("LIMITER_DEGRADED", new JsonObject().put("reason", "burst-" + i));
      }
      System.exit(0);
    }
  }

  /** The exit status and the output lines of the finished child. */
  private record Output(int status, List<String> stdout, List<String> stderr) {
  }

  @Test
  void jsonFormatIsDefault() throws Exception {
    Output output = runEmitter(Map.of());

    assertThat(output.status()).as("exit status").isZero();
    assertThat(output.stderr()).as("stderr").hasSize(2);
    JsonNode plain = JSON.readTree(output.stderr().get(0));
    assertThat(fieldNames(plain)).containsExactly("timestamp", "level", "logger", "thread", "message");
    assertThat(plain.get("timestamp").asText()).matches(UTC_TIMESTAMP);
    assertThat(plain.get("level").asText()).isEqualTo("INFO");
    assertThat(plain.get("logger").asText()).isEqualTo("io.securepets.test.Emitter");
    assertThat(plain.get("thread").asText()).isEqualTo("main");
    assertThat(plain.get("message").asText()).isEqualTo("Plain line");

    JsonNode error = JSON.readTree(output.stderr().get(1));
    assertThat(fieldNames(error)).containsExactly("timestamp", "level", "logger", "thread", "message",
        "requestId", "status", "stackTrace");
    assertThat(error.get("level").asText()).isEqualTo("ERROR");
    assertThat(error.get("message").asText()).isEqualTo("Unhandled failure");
    assertThat(error.get("requestId").asText()).isEqualTo("req-7");
    assertThat(error.get("status").asInt()).isEqualTo(500);
    assertThat(error.get("stackTrace").asText()).startsWith("java.lang.IllegalStateException: boom\n\tat ");
    assertThat(error.get("stackTrace").asText()).contains("Caused by: java.io.IOException: disk full");

    assertOnlySecurityEvent(output);
  }

  @Test
  void jsonFormatByName() throws Exception {
    Output output = runEmitter(Map.of("PETS_LOG_FORMAT", "json"));

    assertThat(output.status()).as("exit status").isZero();
    assertThat(output.stderr()).as("stderr").hasSize(2);
    assertThat(JSON.readTree(output.stderr().get(0)).get("message").asText()).isEqualTo("Plain line");
    assertThat(JSON.readTree(output.stderr().get(1)).get("requestId").asText()).isEqualTo("req-7");
    assertOnlySecurityEvent(output);
  }

  @Test
  void textFormatForDevelopment() throws Exception {
    Output output = runEmitter(Map.of("PETS_LOG_FORMAT", "text"));

    assertThat(output.status()).as("exit status").isZero();
    String timestamp = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2})";
    assertThat(output.stderr().get(0))
        .matches(timestamp + " INFO  \\[main\\] io\\.securepets\\.test\\.Emitter - Plain line");
    assertThat(output.stderr().get(1))
        .matches(timestamp + " ERROR \\[main\\] io\\.securepets\\.test\\.Emitter - Unhandled failure "
            + "requestId=\"req-7\" status=\"500\"");
    assertThat(output.stderr().get(2)).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(output.stderr()).contains("Caused by: java.io.IOException: disk full");
    assertOnlySecurityEvent(output);
  }

  @Test
  void queuedEventsSurviveExit() throws Exception {
    Output output = run(BurstEmitter.class, Map.of());

    assertThat(output.status()).as("exit status").isZero();
    assertThat(output.stdout()).as("stdout lines").hasSize(BURST_EVENTS);
    JsonNode last = JSON.readTree(output.stdout().get(BURST_EVENTS - 1));
    assertThat(last.get("reason").asText()).isEqualTo("burst-" + (BURST_EVENTS - 1));
  }

  /**
   * Asserts that stdout contains exactly the one security event, with the fields SecurityEvents writes
   * and in its order, and that the event did not also reach stderr.
   */
  private static void assertOnlySecurityEvent(Output output) throws IOException {
    assertThat(output.stdout()).as("stdout").hasSize(1);
    JsonNode event = JSON.readTree(output.stdout().get(0));
    assertThat(fieldNames(event)).containsExactlyElementsOf(EVENT_FIELDS);
    assertThat(event.get("event").asText()).isEqualTo("LIMITER_DEGRADED");
    assertThat(event.get("reason").asText()).isEqualTo("ConnectException");
    assertThat(event.get("requestId").isNull()).isTrue();
    assertThat(output.stderr()).as("stderr").noneMatch(line -> line.contains("LIMITER_DEGRADED"));
  }

  private Output runEmitter(Map<String, String> environment) throws Exception {
    return run(Emitter.class, environment);
  }

  /** Runs {@code mainClass} with only {@code environment} set, and waits for it to exit. */
  private Output run(Class<?> mainClass, Map<String, String> environment) throws Exception {
    Path stderr = directory.resolve("stderr.txt");
    // stdout stays a pipe, as under a container runtime, and is read slowly, so that the child exits
    // while events are still queued. A reader at full speed keeps up with the child, and then the
    // burst test would pass even without logback's shutdown hook.
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        mainClass.getName())
        .directory(directory.toFile())
        .redirectError(stderr.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    Process process = builder.start();
    try {
      CompletableFuture<String> stdout =
          CompletableFuture.supplyAsync(() -> readSlowly(process.getInputStream()));
      boolean exited = process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(exited).as("exited within %d s", EXIT_TIMEOUT_SECONDS).isTrue();
      List<String> stdoutLines = stdout.get(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS).lines().toList();
      return new Output(process.exitValue(), stdoutLines, Files.readAllLines(stderr, StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }

  /** Reads {@code stream} to its end in 4 KiB steps with a 1 ms pause after each. */
  private static String readSlowly(InputStream stream) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try (stream) {
      for (int read = stream.read(buffer); read != -1; read = stream.read(buffer)) {
        content.write(buffer, 0, read);
        Thread.sleep(1);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the child's stdout", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the child's stdout", e);
    }
    return content.toString(StandardCharsets.UTF_8);
  }

  private static List<String> fieldNames(JsonNode line) {
    List<String> names = new ArrayList<>();
    line.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
