package io.securepets.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Collects the security events that servers in this JVM emit, by attaching an appender to the
 * {@code security-events} logger. Every server of the JVM writes to that logger, so tests select
 * their own events by request id or by event name. Close it to detach the appender.
 */
public final class EventCapture implements AutoCloseable {

  private final Logger logger = (Logger) LoggerFactory.getLogger("security-events");
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      lines.add(event.getFormattedMessage());
    }
  };

  /** Starts collecting events. */
  public EventCapture() {
    appender.setName("test-event-capture-" + System.identityHashCode(this));
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  /** Returns the collected events, parsed. */
  public List<JsonObject> events() {
    return lines.stream().map(JsonObject::new).toList();
  }

  /** Returns the collected events named {@code event} whose request id is one of {@code requestIds}. */
  public List<JsonObject> named(String event, Collection<String> requestIds) {
    return events().stream()
        .filter(line -> event.equals(line.getString("event")))
        .filter(line -> requestIds.contains(line.getString("requestId")))
        .toList();
  }

  /** Returns the collected events that match {@code filter}. */
  public List<JsonObject> matching(Predicate<JsonObject> filter) {
    return events().stream().filter(filter).toList();
  }

  /**
   * Waits up to {@code timeout} until at least {@code count} collected events match {@code filter},
   * and returns the matching events, however many there are by then.
   */
  public List<JsonObject> await(Predicate<JsonObject> filter, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<JsonObject> found = matching(filter);
    while (found.size() < count && System.nanoTime() < deadline) {
      Waits.pause(Duration.ofMillis(50));
      found = matching(filter);
    }
    return found;
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
