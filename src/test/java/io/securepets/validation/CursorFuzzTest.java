package io.securepets.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

/**
 * Fuzzes {@link Cursors#decode}: it must return null or a position and never throw, accept only what
 * {@link Cursors#encode} produced under the same key for the same list, and never turn a changed
 * cursor into another position.
 */
class CursorFuzzTest {

  /** A fixed key, so that the kept inputs may contain cursors that this test accepts. */
  private static final Cursors CURSORS =
      new Cursors("cursor-fuzz-test-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
  private static final int MAX_LIST_NAME_CHARS = 48;
  /**
   * Creation times stay within about 285 years of 1970: further out, encode fails because JDK 17's
   * Instant.until(MICROS) overflows a long of nanoseconds. PostgreSQL sets created_at to now().
   */
  private static final long MAX_MICROS = 9_000_000_000_000_000L;

  /** Decodes UTF-8 text of the form {@code <list name>\n<cursor>}, or a bare cursor of the list "public". */
  @FuzzTest(maxDuration = "10s")
  void decode(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    int newline = text.indexOf('\n');
    String listName = newline < 0 ? "public" : text.substring(0, newline);
    String cursor = newline < 0 ? text : text.substring(newline + 1);

    Cursors.Position position = CURSORS.decode(cursor, listName);

    if (position != null) {
      String issued = CURSORS.encode(position, listName);
      assertThat(Base64.getUrlDecoder().decode(cursor)).as("bytes of accepted cursor %s", cursor)
          .isEqualTo(Base64.getUrlDecoder().decode(issued));
    }
  }

  /** Encodes a position chosen by the fuzzer, changes the cursor and checks what decode returns. */
  @FuzzTest(maxDuration = "10s")
  void tamperedCursor(FuzzedDataProvider data) {
    Instant createdAt = Instant.EPOCH.plus(data.consumeLong(-MAX_MICROS, MAX_MICROS), ChronoUnit.MICROS);
    Cursors.Position position = new Cursors.Position(createdAt, new UUID(data.consumeLong(), data.consumeLong()));
    String listName = data.consumeString(MAX_LIST_NAME_CHARS);
    String cursor = CURSORS.encode(position, listName);
    assertThat(CURSORS.decode(cursor, listName)).as("issued cursor").isEqualTo(position);

    char[] chars = cursor.toCharArray();
    int edits = data.consumeInt(0, 4);
    for (int i = 0; i < edits; i++) {
      chars[data.consumeInt(0, chars.length - 1)] = data.consumeChar();
    }
    String otherListName = data.consumeBoolean() ? listName : data.consumeString(MAX_LIST_NAME_CHARS);
    String changed = new String(chars) + data.consumeRemainingAsString();

    Cursors.Position decoded = CURSORS.decode(changed, otherListName);

    if (decoded == null) {
      return;
    }
    assertThat(decoded).as("position of changed cursor %s", changed).isEqualTo(position);
    // List names are compared as the UTF-8 bytes that the MAC covers, in which a lone surrogate is '?'.
    assertThat(otherListName.getBytes(StandardCharsets.UTF_8)).as("list of changed cursor %s", changed)
        .isEqualTo(listName.getBytes(StandardCharsets.UTF_8));
    assertThat(Arrays.equals(Base64.getUrlDecoder().decode(changed), Base64.getUrlDecoder().decode(cursor)))
        .as("bytes of changed cursor %s", changed).isTrue();
  }
}
