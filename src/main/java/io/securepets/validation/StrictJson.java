package io.securepets.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Parses untrusted JSON strictly: bytes that are not UTF-8 (including overlong forms and encoded
 * surrogates), a byte order mark, duplicate keys, comments, trailing content, NaN, single quotes and
 * nesting deeper than {@value #MAX_DEPTH} levels are all rejected before any value reaches the
 * service. Jackson alone would detect UTF-16 and UTF-32 and skip a byte order mark.
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
    String text = strictUtf8(bytes);
    if (text == null) {
      return null;
    }
    try (JsonParser parser = MAPPER.createParser(text)) {
      Object value = MAPPER.readValue(parser, Object.class);
      return value instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Returns true when {@code bytes} is well-formed JSON of any type. */
  public static boolean isWellFormed(byte[] bytes) {
    String text = strictUtf8(bytes);
    if (text == null) {
      return false;
    }
    try (JsonParser parser = MAPPER.createParser(text)) {
      MAPPER.readValue(parser, Object.class);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Decodes {@code bytes} as UTF-8, or returns null when they are not UTF-8 or start with a byte order mark. */
  private static String strictUtf8(byte[] bytes) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      return text.startsWith("\uFEFF") ? null : text;
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
