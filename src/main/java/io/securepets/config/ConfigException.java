package io.securepets.config;

/** A setting that is missing or invalid; the message names the setting and the fix. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
