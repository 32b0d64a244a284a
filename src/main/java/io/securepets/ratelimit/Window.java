package io.securepets.ratelimit;

import io.securepets.config.AppConfig;

/** One sliding window: its name in keys and events, its limit, and its length in milliseconds. */
public record Window(String name, int limit, long lengthMs) {

  static Window of(String name, AppConfig.Window settings) {
    return new Window(name, settings.requests(), settings.windowSeconds() * 1000L);
  }
}
