package io.securepets.ratelimit;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The same sliding windows as the Redis scripts, kept in this process's memory. It is the fallback
 * while Redis is unreachable: limits still hold per process, not across processes. One instance
 * serves every verticle of the process, so its methods are synchronized.
 */
final class LocalWindowStore implements WindowStore {

  /** Windows are swept for expired entries once this many calls have passed. */
  private static final int SWEEP_EVERY = 10_000;

  private final LongSupplier clock;
  private final Map<String, Deque<Entry>> windows = new HashMap<>();
  private final Map<String, Long> blockedUntil = new HashMap<>();
  private final Map<String, Long> revokedUntil = new HashMap<>();
  private int callsSinceSweep;

  private record Entry(long time, String member, long expiresAt) {
  }

  LocalWindowStore(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Future<Decision> admit(ClientKeys keys, List<String> revocations, List<Window> checked,
      String member) {
    long now = clock.getAsLong();
    sweepOccasionally(now);
    for (String revocation : revocations) {
      Long until = revokedUntil.get(revocation);
      if (until != null && until > now) {
        return Future.succeededFuture(Decision.revoked());
      }
    }
    long blockWait = blockWait(keys, now);
    if (blockWait > 0) {
      return Future.succeededFuture(Decision.blocked(blockWait));
    }
    return Future.succeededFuture(admitWindows(keys, checked, member, now));
  }

  /**
   * Admits {@code member} through {@code checked} only, with no block or revocation check, and
   * returns the decision at once. The limiter reserves small windows here before it asks Redis.
   */
  synchronized Decision reserve(ClientKeys keys, List<Window> checked, String member) {
    return admitWindows(keys, checked, member, clock.getAsLong());
  }

  /** Removes {@code member} from {@code windows}, undoing a {@link #reserve} that Redis overruled. */
  synchronized void withdraw(ClientKeys keys, List<Window> windows, String member) {
    for (Window window : windows) {
      Deque<Entry> entries = this.windows.get(keys.window(window));
      if (entries != null) {
        entries.removeIf(entry -> entry.member().equals(member));
      }
    }
  }

  private Decision admitWindows(ClientKeys keys, List<Window> checked, String member, long now) {
    for (int i = 0; i < checked.size(); i++) {
      Deque<Entry> entries = trimmed(keys.window(checked.get(i)), checked.get(i), now);
      if (entries.size() >= checked.get(i).limit()) {
        return Decision.overLimit(i, entries.peekFirst().time() + checked.get(i).lengthMs() - now);
      }
    }
    long[] remaining = new long[checked.size()];
    long[] reset = new long[checked.size()];
    for (int i = 0; i < checked.size(); i++) {
      Window window = checked.get(i);
      Deque<Entry> entries = trimmed(keys.window(window), window, now);
      entries.addLast(new Entry(now, member, now + window.lengthMs()));
      remaining[i] = window.limit() - entries.size();
      reset[i] = entries.peekFirst().time() + window.lengthMs() - now;
    }
    return Decision.admitted(remaining, reset);
  }

  @Override
  public synchronized Future<FailureRecord> record(ClientKeys keys, boolean failure, Window suspicious,
      boolean countGlobal, Window global, String member) {
    long now = clock.getAsLong();
    long blockWait = blockWait(keys, now);
    if (blockWait > 0) {
      return Future.succeededFuture(new FailureRecord(FailureRecord.Kind.BLOCKED, blockWait));
    }
    long started = 0;
    if (failure) {
      Deque<Entry> failures = trimmed(keys.failures(), suspicious, now);
      failures.addLast(new Entry(now, member, now + suspicious.lengthMs()));
      if (failures.size() > suspicious.limit()) {
        started = Math.max(1, failures.peekFirst().time() + suspicious.lengthMs() - now);
        blockedUntil.put(keys.block(), now + started);
      }
    }
    if (countGlobal) {
      Deque<Entry> entries = trimmed(keys.window(global), global, now);
      if (entries.size() >= global.limit()) {
        return Future.succeededFuture(started > 0
            ? new FailureRecord(FailureRecord.Kind.BLOCK_STARTED, started)
            : new FailureRecord(FailureRecord.Kind.OVER_LIMIT, entries.peekFirst().time() + global.lengthMs() - now));
      }
      entries.addLast(new Entry(now, member, now + global.lengthMs()));
    }
    return Future.succeededFuture(started > 0
        ? new FailureRecord(FailureRecord.Kind.BLOCK_STARTED, started)
        : new FailureRecord(FailureRecord.Kind.RECORDED, 0));
  }

  @Override
  public synchronized Future<Void> revoke(List<String> revocations, long ttlMs) {
    long until = clock.getAsLong() + ttlMs;
    revocations.forEach(key -> revokedUntil.merge(key, until, Math::max));
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> release(ClientKeys keys, Window window, String member) {
    Deque<Entry> entries = windows.get(keys.window(window));
    if (entries != null) {
      entries.removeIf(entry -> entry.member().equals(member));
    }
    return Future.succeededFuture();
  }

  private long blockWait(ClientKeys keys, long now) {
    Long until = blockedUntil.get(keys.block());
    if (until == null) {
      return 0;
    }
    if (until <= now) {
      blockedUntil.remove(keys.block());
      return 0;
    }
    return until - now;
  }

  private Deque<Entry> trimmed(String key, Window window, long now) {
    Deque<Entry> entries = windows.computeIfAbsent(key, ignored -> new ArrayDeque<>());
    while (!entries.isEmpty() && entries.peekFirst().time() <= now - window.lengthMs()) {
      entries.removeFirst();
    }
    return entries;
  }

  private void sweepOccasionally(long now) {
    if (++callsSinceSweep < SWEEP_EVERY) {
      return;
    }
    callsSinceSweep = 0;
    for (Iterator<Deque<Entry>> it = windows.values().iterator(); it.hasNext(); ) {
      Deque<Entry> entries = it.next();
      entries.removeIf(entry -> entry.expiresAt() <= now);
      if (entries.isEmpty()) {
        it.remove();
      }
    }
    blockedUntil.values().removeIf(until -> until <= now);
    revokedUntil.values().removeIf(until -> until <= now);
  }
}
