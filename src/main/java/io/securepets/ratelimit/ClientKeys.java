package io.securepets.ratelimit;

/**
 * The Redis keys of one client. Every key carries the client id as its hash tag, so all keys a script
 * touches for one request live in the same Redis Cluster slot.
 *
 * @param clientId {@code u:<user id>} for an authenticated caller, else {@code ip:<address key>}
 */
record ClientKeys(String prefix, String clientId) {

  String block() {
    return key("block");
  }

  String failures() {
    return key("failures");
  }

  String window(Window window) {
    return key(window.name());
  }

  /** The key whose existence marks a token or login family as revoked, such as {@code revoked-jti:<id>}. */
  String revocation(String name) {
    return key(name);
  }

  private String key(String name) {
    return prefix + "{" + clientId + "}:" + name;
  }
}
