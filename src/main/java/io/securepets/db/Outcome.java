package io.securepets.db;

/**
 * The result of a statement that also checked the caller: the caller's user may be gone, the target
 * row may be absent or belong to someone else, or the statement succeeded with {@code value}.
 */
public record Outcome<T>(Status status, T value) {

  /** How the caller and target checks of one statement ended. */
  public enum Status { UNKNOWN_CALLER, NOT_FOUND, FORBIDDEN, OK }

  public static <T> Outcome<T> ok(T value) {
    return new Outcome<>(Status.OK, value);
  }

  public static <T> Outcome<T> of(Status status) {
    return new Outcome<>(status, null);
  }
}
