package io.securepets.ratelimit;

import io.vertx.core.Future;
import java.util.List;

/** Where sliding windows are kept: Redis, shared by every process, or this process's memory as a fallback. */
interface WindowStore {

  /**
   * Admits a request through {@code windows}, recording it in all of them only when all admit it. It
   * is rejected as revoked when any of {@code revocations} (keys from {@link ClientKeys#revocation})
   * exists.
   */
  Future<Decision> admit(ClientKeys keys, List<String> revocations, List<Window> windows, String member);

  /** Marks every key of {@code revocations} as revoked for {@code ttlMs} milliseconds. */
  Future<Void> revoke(List<String> revocations, long ttlMs);

  /**
   * Records an error response: a failed authentication or authorization when {@code failure}, and a
   * request in {@code global} when {@code countGlobal}.
   */
  Future<FailureRecord> record(ClientKeys keys, boolean failure, Window suspicious, boolean countGlobal,
      Window global, String member);

  /** Removes {@code member} from {@code window}, so that a successful login does not count as a failed attempt. */
  Future<Void> release(ClientKeys keys, Window window, String member);
}
