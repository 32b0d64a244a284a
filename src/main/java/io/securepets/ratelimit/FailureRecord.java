package io.securepets.ratelimit;

/**
 * The outcome of recording an error response.
 *
 * @param waitMs for BLOCKED, BLOCK_STARTED and OVER_LIMIT, milliseconds until the client may retry
 */
public record FailureRecord(Kind kind, long waitMs) {

  /** Nothing changes, the client was already blocked, this failure starts a block, or the global window is full. */
  public enum Kind { RECORDED, BLOCKED, BLOCK_STARTED, OVER_LIMIT }
}
