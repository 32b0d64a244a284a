package io.securepets.auth;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The scopes a token can grant, and parsing of the space-separated {@code scope} claim. */
public final class Scopes {

  public static final String READ_PETS = "read:pets";
  public static final String WRITE_PETS = "write:pets";
  public static final String DELETE_PETS = "delete:pets";
  public static final String ADMIN_ALL = "admin:all";

  public static final List<String> ALL = List.of(READ_PETS, WRITE_PETS, DELETE_PETS, ADMIN_ALL);

  private Scopes() {
  }

  /** Splits a space-separated scope string, keeping order and dropping duplicates and blanks. */
  public static Set<String> parse(String text) {
    Set<String> scopes = new LinkedHashSet<>();
    if (text != null) {
      Arrays.stream(text.trim().split("\\s+")).filter(s -> !s.isEmpty()).forEach(scopes::add);
    }
    return scopes;
  }
}
