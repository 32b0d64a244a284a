package io.securepets.ratelimit;

/**
 * The outcome of admitting one request through its windows.
 *
 * @param rejectedWindow the 0-based index of the full window, or -1
 * @param waitMs for a rejection, milliseconds until the request could pass; else 0
 * @param remaining for an admission, the requests each window still allows
 * @param resetMs for an admission, milliseconds until each window frees its oldest slot
 */
public record Decision(Kind kind, int rejectedWindow, long waitMs, long[] remaining, long[] resetMs) {

  /** Admitted; or rejected because the token was revoked, the client is blocked, or a window is full. */
  public enum Kind { ADMITTED, REVOKED, BLOCKED, OVER_LIMIT }

  static Decision admitted(long[] remaining, long[] resetMs) {
    return new Decision(Kind.ADMITTED, -1, 0, remaining, resetMs);
  }

  static Decision revoked() {
    return new Decision(Kind.REVOKED, -1, 0, new long[0], new long[0]);
  }

  static Decision blocked(long waitMs) {
    return new Decision(Kind.BLOCKED, -1, waitMs, new long[0], new long[0]);
  }

  static Decision overLimit(int window, long waitMs) {
    return new Decision(Kind.OVER_LIMIT, window, waitMs, new long[0], new long[0]);
  }
}
