package io.securepets.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.securepets.config.AppConfig;
import io.securepets.events.SecurityEvents;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiter state one process shares across its verticles: the configured windows, the in-memory
 * fallback store, and whether Redis is currently unreachable. Each change of that last flag emits
 * one LIMITER_DEGRADED or LIMITER_RECOVERED event, however many verticles notice it.
 */
public final class LimiterState {

  private static final Logger LOG = LoggerFactory.getLogger(LimiterState.class);

  private final Windows windows;
  private final String keyPrefix;
  private final LocalWindowStore fallback;
  private final LongSupplier clockOverride;
  private final AtomicBoolean degraded = new AtomicBoolean(false);
  private final LimiterMetrics metrics;

  /** The four windows of the configuration. */
  public record Windows(Window global, Window login, Window createPet, Window suspicious) {
  }

  /**
   * Creates the state and registers the limiter's meters in {@code registry}; {@code clockOverride}
   * is null in production, where Redis's clock and the system clock are used, and a controllable
   * clock in tests.
   */
  public LimiterState(AppConfig config, LongSupplier clockOverride, MeterRegistry registry) {
    AppConfig.Limits limits = config.limits();
    this.windows = new Windows(Window.of("global", limits.global()), Window.of("login", limits.login()),
        Window.of("create-pet", limits.createPet()), Window.of("failures", limits.suspicious()));
    this.keyPrefix = config.redis().keyPrefix();
    this.clockOverride = clockOverride;
    this.fallback = new LocalWindowStore(clockOverride == null ? System::currentTimeMillis : clockOverride);
    this.metrics = new LimiterMetrics(registry, windows, degraded);
  }

  public Windows windows() {
    return windows;
  }

  String keyPrefix() {
    return keyPrefix;
  }

  LocalWindowStore fallback() {
    return fallback;
  }

  LongSupplier clockOverride() {
    return clockOverride;
  }

  LimiterMetrics metrics() {
    return metrics;
  }

  public boolean isDegraded() {
    return degraded.get();
  }

  /**
   * Switches the process to the in-memory windows after a failed Redis call. {@code requestId} names
   * the request whose limiter call failed, or is null when no request was involved (the script load
   * at start).
   */
  void markDegraded(Throwable cause, String requestId) {
    if (degraded.compareAndSet(false, true)) {
      LOG.atWarn()
          .addKeyValue("requestId", requestId)
          .addKeyValue("error", cause.toString())
          .log("Redis is unreachable, limiting with this process's memory until it answers again");
      SecurityEvents.emitProcessEvent("LIMITER_DEGRADED", new JsonObject().put("reason", cause.getClass().getSimpleName()));
    }
  }

  void markRecovered() {
    if (degraded.compareAndSet(true, false)) {
      LOG.info("Redis answers again, limits are shared through Redis once more");
      SecurityEvents.emitProcessEvent("LIMITER_RECOVERED", null);
    }
  }
}
