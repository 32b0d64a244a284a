package io.securepets.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects the application log events of this JVM, by attaching an appender to the root logger. Close it
 * to detach the appender. Security events are not collected, because their logger does not pass events
 * to the root logger.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      events.add(event);
    }
  };

  /** Starts collecting log events. */
  public LogCapture() {
    appender.setName("test-log-capture-" + System.identityHashCode(this));
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
  }

  /** Returns the collected events. */
  public List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** Returns the value of the key-value pair {@code key} of {@code event}, or null when it has none. */
  public static String value(ILoggingEvent event, String key) {
    if (event.getKeyValuePairs() == null) {
      return null;
    }
    return event.getKeyValuePairs().stream()
        .filter(pair -> key.equals(pair.key))
        .map(pair -> Objects.toString(pair.value, null))
        .findFirst()
        .orElse(null);
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
