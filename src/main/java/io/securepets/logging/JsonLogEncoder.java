package io.securepets.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * Encodes an application log event as one JSON object on one line:
 * {@code {"timestamp","level","logger","thread","message", <key-value pairs>, "stackTrace"}}.
 *
 * <p>The timestamp is ISO-8601 UTC with milliseconds, as in the security events. SLF4J 2 key-value
 * pairs and MDC entries become top-level fields, so {@code requestId} sits at the same place in
 * both streams. Numbers and booleans keep their JSON type, {@code null} stays null, and any other
 * value is written as its {@code toString()}. A key that repeats a field already on the line gets a
 * numeric suffix ({@code message_2}) so that no key appears twice. {@code stackTrace} is present
 * only with an exception and contains the usual Java text, including {@code Caused by} sections.
 * Markers are not written, because the service uses none.
 *
 * <p>Logback 1.5's own {@code JsonEncoder} was not used because it writes the timestamp as epoch
 * milliseconds, the key-value pairs as a {@code kvpList} array of one-entry objects with every value
 * turned into a string, and the exception as an array of frame objects, which makes each line
 * harder to query and to read.
 *
 * <p>JSON escaping covers CR, LF and every other control character, so no message or value can
 * start a second line. An unpaired UTF-16 surrogate is written as {@code ?}.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final JsonFactory JSON = new JsonFactory();
  private static final List<String> FIXED_FIELDS =
      List.of("timestamp", "level", "logger", "thread", "message", "stackTrace");

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringWriter line = new StringWriter(256);
    try (JsonGenerator json = JSON.createGenerator(line)) {
      writeEvent(json, event);
    } catch (IOException e) {
      // A StringWriter does not throw, so this path only guards against a Jackson failure.
      addError("Failed to encode the event of logger " + event.getLoggerName() + " as JSON", e);
      return new byte[0];
    }
    line.write('\n');
    return line.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void writeEvent(JsonGenerator json, ILoggingEvent event) throws IOException {
    Set<String> names = new HashSet<>(FIXED_FIELDS);
    json.writeStartObject();
    json.writeStringField("timestamp", TIMESTAMP.format(event.getInstant()));
    json.writeStringField("level", event.getLevel().toString());
    json.writeStringField("logger", event.getLoggerName());
    json.writeStringField("thread", event.getThreadName());
    json.writeStringField("message", event.getFormattedMessage());
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair pair : pairs) {
        json.writeFieldName(uniqueName(names, String.valueOf(pair.key)));
        writeValue(json, pair.value);
      }
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      for (Map.Entry<String, String> entry : mdc.entrySet()) {
        json.writeStringField(uniqueName(names, entry.getKey()), entry.getValue());
      }
    }
    IThrowableProxy throwable = event.getThrowableProxy();
    if (throwable != null) {
      json.writeStringField("stackTrace", ThrowableProxyUtil.asString(throwable).stripTrailing());
    }
    json.writeEndObject();
  }

  /** Returns {@code key}, or {@code key_2}, {@code key_3} and so on when the line already has it. */
  private static String uniqueName(Set<String> names, String key) {
    String name = key;
    for (int suffix = 2; !names.add(name); suffix++) {
      name = key + "_" + suffix;
    }
    return name;
  }

  private static void writeValue(JsonGenerator json, Object value) throws IOException {
    if (value == null) {
      json.writeNull();
    } else if (value instanceof Boolean flag) {
      json.writeBoolean(flag);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte) {
      json.writeNumber(((Number) value).longValue());
    } else if (value instanceof BigInteger big) {
      json.writeNumber(big);
    } else if (value instanceof BigDecimal decimal) {
      json.writeNumber(decimal);
    } else if (value instanceof Double number && Double.isFinite(number)) {
      json.writeNumber(number);
    } else if (value instanceof Float number && Float.isFinite(number)) {
      json.writeNumber(number);
    } else {
      // NaN and the infinities have no JSON number form, so they are written as strings too.
      json.writeString(safeToString(value));
    }
  }

  /** Returns {@code value.toString()}, or a placeholder when it throws, as SLF4J does for arguments. */
  private static String safeToString(Object value) {
    try {
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return "[FAILED toString()]";
    }
  }
}
