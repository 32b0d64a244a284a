package io.securepets.support;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A clock in epoch milliseconds that moves only when a test moves it. Passed to
 * {@code ServerLauncher.start(config, clock)}, it replaces the Redis and system clocks of the limiter.
 */
public final class TestClock implements LongSupplier {

  private final AtomicLong now = new AtomicLong(System.currentTimeMillis());

  @Override
  public long getAsLong() {
    return now.get();
  }

  /** Moves the clock forward by {@code millis} and returns the new time. */
  public long advance(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("the clock only moves forward, not by " + millis + " ms");
    }
    return now.addAndGet(millis);
  }

  /** Moves the clock to {@code millis}, which must not be earlier than the current time. */
  public void set(long millis) {
    long current = now.get();
    if (millis < current) {
      throw new IllegalArgumentException("the clock only moves forward: " + millis + " is before " + current);
    }
    now.set(millis);
  }
}
