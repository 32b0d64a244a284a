package io.securepets.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.List;

/**
 * One verticle's access to the limiter: Redis while it is reachable, the process's in-memory windows
 * while it is not. A failed or slow Redis call marks the limiter degraded and is decided from memory
 * at once; a PING every {@value #PROBE_INTERVAL_MS} ms detects the recovery. The in-memory windows
 * count this process's requests also while Redis is reachable, so they take over with those requests
 * already counted.
 */
public final class RateLimiter {

  /**
   * How long a limiter call may wait for Redis before the in-memory windows decide it, in ms. The
   * wait includes time the event loop spends on other work, so a loaded process can time out calls
   * to a healthy Redis. A longer timeout makes such false switches to memory rarer.
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

  public LimiterState state() {
    return state;
  }

  ClientKeys keys(String clientId) {
    return new ClientKeys(state.keyPrefix(), clientId);
  }

  /**
   * Admits a request through this process's in-memory windows first, then through Redis. A request
   * the in-memory windows reject is rejected without a Redis call, because this process alone has
   * used the limit. Because the in-memory windows count every admitted or pending request before
   * Redis is asked, a switch to them after a timeout never admits more than the limit per process.
   */
  Future<Decision> admit(String clientId, List<Window> windows, String member) {
    ClientKeys keys = keys(clientId);
    LocalWindowStore local = state.fallback();
    Decision reserved = local.decide(keys, windows, member);
    if (state.isDegraded() || reserved.kind() != Decision.Kind.ADMITTED) {
      return Future.succeededFuture(reserved);
    }
    return redis.admit(keys, windows, member)
        .map(decision -> {
          if (decision.kind() != Decision.Kind.ADMITTED) {
            local.withdraw(keys, windows, member, decision);
          }
          return decision;
        })
        .recover(error -> {
          state.markDegraded(error);
          return Future.succeededFuture(reserved);
        });
  }

  Future<FailureRecord> record(String clientId, boolean failure, boolean countGlobal, String member) {
    ClientKeys keys = keys(clientId);
    LimiterState.Windows windows = state.windows();
    if (state.isDegraded()) {
      return state.fallback().record(keys, failure, windows.suspicious(), countGlobal, windows.global(), member);
    }
    return redis.record(keys, failure, windows.suspicious(), countGlobal, windows.global(), member)
        .onSuccess(result -> state.fallback().copyRecord(keys, failure, windows.suspicious(), countGlobal,
            windows.global(), member, result))
        .recover(error -> {
          state.markDegraded(error);
          return state.fallback().record(keys, failure, windows.suspicious(), countGlobal, windows.global(), member);
        });
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
