package io.securepets.validation;

import java.util.UUID;
import java.util.regex.Pattern;

/** Parsing of UUIDs from untrusted text, accepting only the canonical 8-4-4-4-12 hex form. */
public final class Uuids {

  private static final Pattern CANONICAL =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Uuids() {
  }

  /** Returns the UUID in {@code text}, or null when {@code text} is null or not a canonical UUID. */
  public static UUID parse(String text) {
    if (text == null || text.length() != 36 || !CANONICAL.matcher(text).matches()) {
      return null;
    }
    return UUID.fromString(text);
  }
}
