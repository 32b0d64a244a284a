package io.securepets.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling helpers for conditions that become true shortly after an action, such as a recovery. */
public final class Waits {

  private Waits() {
  }

  /** Polls {@code condition} every 100 ms for up to {@code timeout} and returns whether it became true. */
  public static boolean until(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      pause(Duration.ofMillis(100));
    }
  }

  /** Sleeps for {@code duration}, restoring the interrupt flag if interrupted. */
  public static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }
}
