package io.securepets.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The limiter's meters, created once per process so that the request path only increments them.
 * The window label uses the names of the RATE_LIMITED event's {@code limiter} field: global, login,
 * create-pet and suspicious-activity.
 */
public final class LimiterMetrics {

  /** The outcome of a limiter check; the label value is the lower-case name. */
  enum Outcome {
    ADMITTED("admitted"), OVER_LIMIT("over_limit"), BLOCKED("blocked");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }
  }

  /** The window label of blocks by the suspicious-activity rule. */
  static final String SUSPICIOUS_ACTIVITY = "suspicious-activity";

  private final Map<String, Counter[]> decisions = new HashMap<>();
  private final Counter blocksStarted;
  private final Counter fallbackCalls;

  LimiterMetrics(MeterRegistry registry, LimiterState.Windows windows, AtomicBoolean degraded) {
    for (String window : List.of(windows.global().name(), windows.login().name(), windows.createPet().name(),
        SUSPICIOUS_ACTIVITY)) {
      Counter[] counters = new Counter[Outcome.values().length];
      for (Outcome outcome : Outcome.values()) {
        counters[outcome.ordinal()] = Counter.builder("securepets.limiter.decisions")
            .description("Limiter checks by the window that decided them and their outcome")
            .tag("window", window)
            .tag("decision", outcome.label)
            .register(registry);
      }
      decisions.put(window, counters);
    }
    blocksStarted = Counter.builder("securepets.limiter.blocks")
        .description("Clients blocked by the suspicious-activity rule")
        .register(registry);
    fallbackCalls = Counter.builder("securepets.limiter.fallback")
        .description("Limiter calls answered from this process's memory because Redis was unreachable")
        .register(registry);
    Gauge.builder("securepets.limiter.degraded", degraded, flag -> flag.get() ? 1 : 0)
        .description("1 while Redis is unreachable and limits are kept per process, else 0")
        .register(registry);
  }

  /**
   * Returns the counter of {@code outcome} for the window named {@code window}. Look counters up
   * when a route is built, not per request.
   */
  Counter decision(String window, Outcome outcome) {
    Counter[] counters = decisions.get(window);
    if (counters == null) {
      throw new IllegalArgumentException("no limiter window named " + window);
    }
    return counters[outcome.ordinal()];
  }

  void blockStarted() {
    blocksStarted.increment();
  }

  void fallbackUsed() {
    fallbackCalls.increment();
  }
}
