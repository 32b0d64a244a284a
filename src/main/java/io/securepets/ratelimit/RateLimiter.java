package io.securepets.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.List;

/**
 * One verticle's access to the limiter: Redis while it answers, the process's in-memory windows
 * while it does not. A failed or slow Redis call marks the limiter degraded and is answered from
 * memory at once; a PING every {@value #PROBE_INTERVAL_MS} ms detects the recovery.
 */
public final class RateLimiter {

  /**
   * How long a limiter call may wait for Redis before the in-memory windows answer it, in ms. Long
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
   * limiter begins degraded and the probe switches it back once Redis answers.
   */
  public Future<Void> start() {
    return redis.loadScripts().recover(error -> {
      state.markDegraded(error);
      return Future.succeededFuture();
    });
  }

  public LimiterState state() {
    return state;
  }

  ClientKeys keys(String clientId) {
    return new ClientKeys(state.keyPrefix(), clientId);
  }

  Future<Decision> admit(String clientId, List<Window> windows, String member) {
    ClientKeys keys = keys(clientId);
    if (state.isDegraded()) {
      return fallbackAdmit(keys, windows, member);
    }
    return redis.admit(keys, windows, member).recover(error -> {
      state.markDegraded(error);
      return fallbackAdmit(keys, windows, member);
    });
  }

  private Future<Decision> fallbackAdmit(ClientKeys keys, List<Window> windows, String member) {
    state.metrics().fallbackUsed();
    return state.fallback().admit(keys, windows, member);
  }

  Future<FailureRecord> record(String clientId, boolean failure, boolean countGlobal, String member) {
    ClientKeys keys = keys(clientId);
    if (state.isDegraded()) {
      return fallbackRecord(keys, failure, countGlobal, member);
    }
    LimiterState.Windows windows = state.windows();
    return redis.record(keys, failure, windows.suspicious(), countGlobal, windows.global(), member)
        .recover(error -> {
          state.markDegraded(error);
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
      state.markDegraded(error);
      return local;
    });
  }
}
