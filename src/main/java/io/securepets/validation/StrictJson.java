package io.securepets.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;

/**
 * Parses untrusted JSON strictly: duplicate keys, comments, trailing content, NaN, single quotes and
 * nesting deeper than {@value #MAX_DEPTH} levels are all rejected before any value reaches the
 * service.
 */
public final class StrictJson {

  static final int MAX_DEPTH = 32;

  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxNumberLength(64)
          .maxStringLength(64 * 1024)
          .build())
      .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private StrictJson() {
  }

  /** Parses {@code bytes} as one JSON object, or returns null when it is not well-formed JSON or not an object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(byte[] bytes) {
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      Object value = MAPPER.readValue(parser, Object.class);
      return value instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Returns true when {@code bytes} is well-formed JSON of any type. */
  public static boolean isWellFormed(byte[] bytes) {
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      MAPPER.readValue(parser, Object.class);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
