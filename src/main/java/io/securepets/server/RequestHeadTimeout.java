package io.securepets.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose client does not complete a request line and headers in time. The timer
 * starts when the connection opens and, on HTTP/1.x, again when a response ends, so it also bounds
 * an idle keep-alive connection. The idle timeout alone cannot stop a client that sends one header
 * byte every few seconds, because every byte resets it. One instance serves the connections of one
 * verticle, so it runs on one event loop and needs no locking.
 *
 * <p>NOTE: only request heads are timed. Once an HTTP/2 connection has sent its first request it is
 * bounded by the idle timeout alone, and so is a request body sent slowly (at most 16 KiB).
 */
final class RequestHeadTimeout {

  private static final Logger LOG = LoggerFactory.getLogger(RequestHeadTimeout.class);
  private static final long NO_TIMER = -1;

  private final Vertx vertx;
  private final long timeoutMillis;
  /** Timer id of every open connection, or {@link #NO_TIMER} while a request is in progress. */
  private final Map<HttpConnection, Long> timers = new HashMap<>();

  RequestHeadTimeout(Vertx vertx, int timeoutSeconds) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutSeconds * 1000L;
  }

  /** Starts timing a new connection's first request head. */
  void connectionOpened(HttpConnection connection) {
    timers.put(connection, startTimer(connection));
    connection.closeHandler(ignored -> cancel(timers.remove(connection)));
  }

  /** Stops timing, since the connection delivered a complete request head. */
  void requestReceived(HttpConnection connection) {
    if (timers.containsKey(connection)) {
      cancel(timers.put(connection, NO_TIMER));
    }
  }

  /** Starts timing the next request head on an HTTP/1.x connection that is still open. */
  void responseEnded(HttpConnection connection) {
    if (timers.containsKey(connection)) {
      cancel(timers.put(connection, startTimer(connection)));
    }
  }

  private long startTimer(HttpConnection connection) {
    return vertx.setTimer(timeoutMillis, id -> {
      if (timers.replace(connection, id, NO_TIMER)) {
        LOG.atDebug()
            .addKeyValue("client", String.valueOf(connection.remoteAddress()))
            .log("Closing a connection that sent no complete request head in {} ms", timeoutMillis);
        connection.close();
      }
    });
  }

  private void cancel(Long timer) {
    if (timer != null && timer != NO_TIMER) {
      vertx.cancelTimer(timer);
    }
  }
}
