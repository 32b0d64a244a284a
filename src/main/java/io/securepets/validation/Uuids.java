package io.securepets.validation;

import java.util.UUID;

/** Parsing of UUIDs from untrusted text, accepting only the canonical 8-4-4-4-12 hex form. */
public final class Uuids {

  private Uuids() {
  }

  /** Returns the UUID in {@code text}, or null when {@code text} is null or not a canonical UUID. */
  public static UUID parse(String text) {
    if (text == null || text.length() != 36) {
      return null;
    }
    long high = 0;
    long low = 0;
    int digits = 0;
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return null;
        }
        continue;
      }
      int value = Character.digit(c, 16);
      // Character.digit also accepts non-ASCII digits such as U+FF10; the canonical form is ASCII.
      if (value < 0 || c > 'f') {
        return null;
      }
      if (digits < 16) {
        high = high << 4 | value;
      } else {
        low = low << 4 | value;
      }
      digits++;
    }
    return new UUID(high, low);
  }
}
