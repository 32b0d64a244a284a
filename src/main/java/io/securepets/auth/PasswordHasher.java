package io.securepets.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * Hashes and checks passwords with argon2id on a dedicated worker pool, never on an event loop.
 * Parameters follow the OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB of memory,
 * 2 iterations, 1 lane, a 16-byte salt and a 32-byte hash.
 */
public final class PasswordHasher implements AutoCloseable {

  /** Minimum password length, in Unicode code points. */
  public static final int MIN_PASSWORD_CODE_POINTS = 12;
  /** Maximum password length, in UTF-16 chars: it bounds the hashing work an attacker can request. */
  public static final int MAX_PASSWORD_CHARS = 1024;

  private static final Argon2PasswordEncoder ENCODER = new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);

  /** A hash of a random password that was then discarded, so no password matches it. */
  private static final String DECOY_HASH =
      "$argon2id$v=19$m=19456,t=2,p=1$72h3x4EING74PoHadYYZYA$QXuq7RHHTCAswPVAtELQFDnmL9oaFK4j49sD+2ACPeY";

  private final WorkerExecutor workers;

  public PasswordHasher(Vertx vertx, int threads) {
    this.workers = vertx.createSharedWorkerExecutor("password-hashing", threads);
  }

  /** Returns the encoded argon2id hash of {@code password}, computed off the event loop. */
  public Future<String> hash(String password) {
    return workers.executeBlocking(() -> ENCODER.encode(password), false);
  }

  /**
   * Checks {@code password} against {@code encodedHash}. A null hash (no such account) is checked
   * against a decoy hash so that a wrong email costs as much time as a wrong password.
   */
  public Future<Boolean> matches(String password, String encodedHash) {
    if (encodedHash == null) {
      return workers.executeBlocking(() -> {
        ENCODER.matches(password, DECOY_HASH);
        return false;
      }, false);
    }
    return workers.executeBlocking(() -> ENCODER.matches(password, encodedHash), false);
  }

  /** Hashes synchronously, for the command line where no event loop runs. */
  public static String hashNow(String password) {
    return ENCODER.encode(password);
  }

  @Override
  public void close() {
    workers.close();
  }
}
