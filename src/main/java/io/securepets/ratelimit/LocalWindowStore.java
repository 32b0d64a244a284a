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
 * The same sliding windows as the Redis scripts, kept in this process's memory. They count every
 * request of this process, also while Redis is reachable, so they are current when Redis becomes
 * unreachable and they take over. Limits then still hold per process, not across processes. One
 * instance serves every verticle of the process, so its methods are synchronized.
 */
// NOTE: Because every process keeps these windows for each client it serves, memory grows with the
// number of requests inside the windows (one entry per request), as it does in Redis.
final class LocalWindowStore implements WindowStore {

  /** Windows are swept for expired entries once this many calls have passed. */
  private static final int SWEEP_EVERY = 10_000;

  private final LongSupplier clock;
  private final Map<String, Deque<Entry>> windows = new HashMap<>();
  private final Map<String, Long> blockedUntil = new HashMap<>();
  private int callsSinceSweep;

  private record Entry(long time, String member, long expiresAt) {
  }

  LocalWindowStore(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public Future<Decision> admit(ClientKeys keys, List<Window> checked, String member) {
    return Future.succeededFuture(decide(keys, checked, member));
  }

  /** Admits a request as {@link #admit} does, and returns the decision directly. */
  synchronized Decision decide(ClientKeys keys, List<Window> checked, String member) {
    long now = clock.getAsLong();
    sweepOccasionally(now);
    long blockWait = blockWait(keys, now);
    if (blockWait > 0) {
      return Decision.blocked(blockWait);
    }
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

  /**
   * Removes an admission of {@code member} from {@code checked} after Redis rejected the request,
   * and keeps a block that Redis reported.
   */
  synchronized void withdraw(ClientKeys keys, List<Window> checked, String member, Decision redisDecision) {
    for (Window window : checked) {
      Deque<Entry> entries = windows.get(keys.window(window));
      if (entries != null) {
        entries.removeIf(entry -> entry.member().equals(member));
      }
    }
    if (redisDecision.kind() == Decision.Kind.BLOCKED) {
      blockedUntil.merge(keys.block(), clock.getAsLong() + redisDecision.waitMs(), Math::max);
    }
  }

  /** Copies what Redis recorded for an error response of this process, as {@link #record} would have. */
  synchronized void copyRecord(ClientKeys keys, boolean failure, Window suspicious, boolean countGlobal,
      Window global, String member, FailureRecord result) {
    long now = clock.getAsLong();
    sweepOccasionally(now);
    if (result.kind() == FailureRecord.Kind.BLOCKED || result.kind() == FailureRecord.Kind.BLOCK_STARTED) {
      blockedUntil.merge(keys.block(), now + result.waitMs(), Math::max);
    }
    if (result.kind() == FailureRecord.Kind.BLOCKED) {
      return;
    }
    if (failure) {
      trimmed(keys.failures(), suspicious, now).addLast(new Entry(now, member, now + suspicious.lengthMs()));
    }
    if (countGlobal && result.kind() != FailureRecord.Kind.OVER_LIMIT) {
      trimmed(keys.window(global), global, now).addLast(new Entry(now, member, now + global.lengthMs()));
    }
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
  }
}
