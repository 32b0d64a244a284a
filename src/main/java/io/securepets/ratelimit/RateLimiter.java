package io.securepets.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.List;

/**
 * One verticle's access to the limiter: Redis while it responds, the process's in-memory windows
 * while it does not. A failed or slow Redis call marks the limiter degraded and is decided from
 * memory at once; a PING every {@value #PROBE_INTERVAL_MS} ms detects the recovery. The
 * {@code member} of each call is the request id, which also names the request in the log line of
 * a switch to memory.
 */
public final class RateLimiter {

  /**
   * How long a limiter call may wait for Redis before the in-memory windows decide it, in ms. Long
   * enough that a saturated 2-core host running Redis beside the service does not flap to the
   * fallback, short enough that no request hangs on a dead Redis.
   */
  static final long REDIS_TIMEOUT_MS = 1000;
  static final long PROBE_INTERVAL_MS = 1000;

  private final LimiterState state;
  private final RedisWindowStore redis;

  public RateLimiter(Vertx vertx, Redis client, LimiterState state) {
    this.state = state;
    this.redis = new RedisWindowStore(client, REDIS_TIMEOUT_MS, state.clockOverride());
    vertx.setPeriodic(PROBE_INTERVAL_MS, timer -> {
      if (state.isDegraded()) {
        redis.ping().onSuccess(ignored -> state.markRecovered());
      }
    });
  }

  /**
   * Loads the limiter scripts into Redis. It never fails: when Redis is unreachable at start the
   * limiter begins degraded and the probe switches it back once Redis responds.
   */
  public Future<Void> start() {
    return redis.loadScripts().recover(error -> {
      state.markDegraded(error, null);
      return Future.succeededFuture();
    });
  }

  public LimiterState state() {
    return state;
  }

  ClientKeys keys(String clientId) {
    return new ClientKeys(state.keyPrefix(), clientId);
  }

  /**
   * Admits a request through {@code windows}, whose first entry is the global window. The other,
   * small windows (login attempts, pet creation) are also reserved in this process's memory before
   * Redis is asked, so a Redis call that times out under load, and switches the process to memory,
   * cannot let more through them than their limit. The global window is counted in memory only while
   * degraded, since its counts are large and a short overshoot there protects nothing critical.
   */
  Future<Decision> admit(String clientId, List<String> revocationNames, List<Window> windows, String member) {
    ClientKeys keys = keys(clientId);
    List<String> revocations = revocationNames.stream().map(keys::revocation).toList();
    LocalWindowStore local = state.fallback();
    if (state.isDegraded()) {
      return fallbackAdmit(keys, revocations, windows, member);
    }
    List<Window> guarded = windows.subList(1, windows.size());
    Decision reservation = guarded.isEmpty() ? null : local.reserve(keys, guarded, member);
    if (reservation != null && reservation.kind() == Decision.Kind.OVER_LIMIT) {
      return Future.succeededFuture(Decision.overLimit(reservation.rejectedWindow() + 1, reservation.waitMs()));
    }
    return redis.admit(keys, revocations, windows, member)
        .map(decision -> {
          if (reservation != null && decision.kind() != Decision.Kind.ADMITTED) {
            local.withdraw(keys, guarded, member);
          }
          return decision;
        })
        .recover(error -> {
          state.markDegraded(error, member);
          if (reservation != null) {
            local.withdraw(keys, guarded, member);
          }
          return fallbackAdmit(keys, revocations, windows, member);
        });
  }

  /**
   * Revokes the named tokens or families of {@code clientId} for {@code ttlMs}. The revocation is
   * kept in this process's memory too, so it applies here even when Redis fails meanwhile.
   */
  // NOTE: a revocation made while Redis is unreachable reaches only this process; the database
  // revocation of the login family still stops its refresh tokens everywhere.
  Future<Void> revoke(String clientId, List<String> revocationNames, long ttlMs) {
    ClientKeys keys = keys(clientId);
    List<String> revocations = revocationNames.stream().map(keys::revocation).toList();
    Future<Void> local = state.fallback().revoke(revocations, ttlMs);
    if (state.isDegraded()) {
      return local;
    }
    return redis.revoke(revocations, ttlMs).recover(error -> {
      state.markDegraded(error, null);
      return local;
    });
  }

  private Future<Decision> fallbackAdmit(ClientKeys keys, List<String> revocations, List<Window> windows,
      String member) {
    state.metrics().fallbackUsed();
    return state.fallback().admit(keys, revocations, windows, member);
  }

  Future<FailureRecord> record(String clientId, boolean failure, boolean countGlobal, String member) {
    ClientKeys keys = keys(clientId);
    if (state.isDegraded()) {
      return fallbackRecord(keys, failure, countGlobal, member);
    }
    LimiterState.Windows windows = state.windows();
    return redis.record(keys, failure, windows.suspicious(), countGlobal, windows.global(), member)
        .recover(error -> {
          state.markDegraded(error, member);
          return fallbackRecord(keys, failure, countGlobal, member);
        });
  }

  private Future<FailureRecord> fallbackRecord(ClientKeys keys, boolean failure, boolean countGlobal, String member) {
    state.metrics().fallbackUsed();
    LimiterState.Windows windows = state.windows();
    return state.fallback().record(keys, failure, windows.suspicious(), countGlobal, windows.global(), member);
  }

  Future<Void> release(String clientId, Window window, String member) {
    ClientKeys keys = keys(clientId);
    Future<Void> local = state.fallback().release(keys, window, member);
    if (state.isDegraded()) {
      return local;
    }
    return redis.release(keys, window, member).recover(error -> {
      state.markDegraded(error, member);
      return local;
    });
  }
}
