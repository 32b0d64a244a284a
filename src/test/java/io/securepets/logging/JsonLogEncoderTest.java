package io.securepets.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JSON line of each event, written through a private logback context whose only appender is
 * the encoder under test, so the shape is checked without the service or its logback.xml.
 */
class JsonLogEncoderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private LoggerContext context;
  private Logger logger;

  @BeforeEach
  void startLogger() {
    context = new LoggerContext();
    // Events read the MDC through the context's adapter, which logback's SLF4J provider sets only on
    // its own context.
    context.setMDCAdapter(new LogbackMDCAdapter());
    JsonLogEncoder encoder = new JsonLogEncoder();
    encoder.setContext(context);
    encoder.start();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(output);
    appender.start();
    logger = context.getLogger("io.securepets.test.Encoder");
    logger.addAppender(appender);
  }

  @AfterEach
  void stopLogger() {
    context.stop();
  }

  @Test
  void plainEventHasFixedFields() throws IOException {
    Instant before = Instant.now();

    logger.info("Serving on port {}", 8443);

    JsonNode line = onlyLine();
    assertThat(fieldNames(line)).containsExactly("timestamp", "level", "logger", "thread", "message");
    String timestamp = line.get("timestamp").asText();
    assertThat(timestamp).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    assertThat(Instant.parse(timestamp)).isAfterOrEqualTo(before.minusMillis(1));
    assertThat(line.get("level").asText()).isEqualTo("INFO");
    assertThat(line.get("logger").asText()).isEqualTo("io.securepets.test.Encoder");
    assertThat(line.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(line.get("message").asText()).isEqualTo("Serving on port 8443");
  }

  @Test
  void keyValuePairsBecomeTypedFields() throws IOException {
    UUID userId = UUID.randomUUID();

    logger.atWarn()
        .addKeyValue("requestId", "req-1")
        .addKeyValue("userId", userId)
        .addKeyValue("status", 500)
        .addKeyValue("elapsedSeconds", 1.5)
        .addKeyValue("retried", true)
        .addKeyValue("reason", (Object) null)
        .addKeyValue("ratio", Double.NaN)
        .log("Failure after the response started");

    JsonNode line = onlyLine();
    assertThat(fieldNames(line)).containsExactly("timestamp", "level", "logger", "thread", "message",
        "requestId", "userId", "status", "elapsedSeconds", "retried", "reason", "ratio");
    assertThat(line.get("level").asText()).isEqualTo("WARN");
    assertThat(line.get("message").asText()).isEqualTo("Failure after the response started");
    assertThat(line.get("requestId").isTextual()).isTrue();
    assertThat(line.get("requestId").asText()).isEqualTo("req-1");
    assertThat(line.get("userId").asText()).isEqualTo(userId.toString());
    assertThat(line.get("status").isIntegralNumber()).isTrue();
    assertThat(line.get("status").asInt()).isEqualTo(500);
    assertThat(line.get("elapsedSeconds").isDouble()).isTrue();
    assertThat(line.get("elapsedSeconds").asDouble()).isEqualTo(1.5);
    assertThat(line.get("retried").isBoolean()).isTrue();
    assertThat(line.get("reason").isNull()).isTrue();
    assertThat(line.get("ratio").asText()).isEqualTo("NaN");
  }

  @Test
  void repeatedKeysGetSuffix() throws IOException {
    logger.atInfo()
        .addKeyValue("message", "from a pair")
        .addKeyValue("id", 1)
        .addKeyValue("id", 2)
        .log("the event's own message");

    JsonNode line = onlyLine();
    assertThat(fieldNames(line)).containsExactly("timestamp", "level", "logger", "thread", "message",
        "message_2", "id", "id_2");
    assertThat(line.get("message").asText()).isEqualTo("the event's own message");
    assertThat(line.get("message_2").asText()).isEqualTo("from a pair");
    assertThat(line.get("id").asInt()).isEqualTo(1);
    assertThat(line.get("id_2").asInt()).isEqualTo(2);
  }

  @Test
  void mdcEntriesFollowPairs() throws IOException {
    context.getMDCAdapter().put("traceId", "trace-1");
    try {
      logger.atInfo().addKeyValue("requestId", "req-3").log("With MDC");
    } finally {
      context.getMDCAdapter().clear();
    }

    JsonNode line = onlyLine();
    assertThat(fieldNames(line)).containsExactly("timestamp", "level", "logger", "thread", "message",
        "requestId", "traceId");
    assertThat(line.get("traceId").asText()).isEqualTo("trace-1");
  }

  @Test
  void exceptionBecomesStackTraceText() throws IOException {
    IllegalStateException failure = new IllegalStateException("boom", new IOException("disk full"));

    logger.atError().addKeyValue("requestId", "req-2").setCause(failure).log("Unhandled failure");

    JsonNode line = onlyLine();
    assertThat(fieldNames(line)).containsExactly("timestamp", "level", "logger", "thread", "message",
        "requestId", "stackTrace");
    String stackTrace = line.get("stackTrace").asText();
    assertThat(stackTrace).startsWith("java.lang.IllegalStateException: boom\n\tat ");
    assertThat(stackTrace)
        .contains("\tat io.securepets.logging.JsonLogEncoderTest.exceptionBecomesStackTraceText(");
    assertThat(stackTrace).contains("Caused by: java.io.IOException: disk full");
    assertThat(stackTrace).doesNotEndWith("\n");
  }

  @Test
  void lineBreaksStayInsideOneLine() throws IOException {
    String forged = "user input\r\n{\"level\":\"ERROR\",\"message\":\"forged\"}\u0000\u001b[31m";

    logger.atWarn().addKeyValue("path", forged).log("Rejected {}", forged);

    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n");
    assertThat(text.substring(0, text.length() - 1)).doesNotContain("\n").doesNotContain("\r");
    JsonNode line = JSON.readTree(text);
    assertThat(line.get("message").asText()).isEqualTo("Rejected " + forged);
    assertThat(line.get("path").asText()).isEqualTo(forged);
  }

  @Test
  void unpairedSurrogateBecomesQuestionMark() throws IOException {
    logger.info("name \ud800 end, pet \ud83d\udc36");

    assertThat(onlyLine().get("message").asText()).isEqualTo("name ? end, pet \ud83d\udc36");
  }

  @Test
  void failingToStringGetsPlaceholder() throws IOException {
    Object broken = new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("no text form");
      }
    };

    logger.atInfo().addKeyValue("value", broken).log("Logged anyway");

    JsonNode line = onlyLine();
    assertThat(line.get("message").asText()).isEqualTo("Logged anyway");
    assertThat(line.get("value").asText()).isEqualTo("[FAILED toString()]");
  }

  /** Parses the output, asserting that it is exactly one line ending in a line feed. */
  private JsonNode onlyLine() throws IOException {
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).as("encoded output").endsWith("\n");
    assertThat(text.lines().count()).as("lines in: %s", text).isEqualTo(1);
    return JSON.readTree(text);
  }

  private static List<String> fieldNames(JsonNode line) {
    List<String> names = new ArrayList<>();
    line.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
