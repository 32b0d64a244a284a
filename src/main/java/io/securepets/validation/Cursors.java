package io.securepets.validation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque keyset-pagination cursors: the (created_at, id) of the last item of a page, bound to the list
 * it came from and signed with HMAC-SHA256, so a cursor the service did not issue is detected.
 */
public final class Cursors {

  private static final int MAC_BYTES = 16;
  private static final int POSITION_BYTES = Long.BYTES + 2 * Long.BYTES;
  private static final int MAX_CURSOR_CHARS = 128;
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final SecretKeySpec key;

  /** Derives the cursor key from {@code secret}, so cursors stay valid across restarts and processes. */
  public Cursors(byte[] secret) {
    this.key = new SecretKeySpec(hmac(new SecretKeySpec(secret, "HmacSHA256"),
        "secure-pets pagination cursor key".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
  }

  /** A page boundary: creation time with microsecond precision, then id. */
  public record Position(Instant createdAt, UUID id) {
  }

  public String encode(Position position, String listName) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, position.createdAt());
    byte[] data = ByteBuffer.allocate(POSITION_BYTES).putLong(micros)
        .putLong(position.id().getMostSignificantBits()).putLong(position.id().getLeastSignificantBits()).array();
    byte[] mac = Arrays.copyOf(hmac(key, signedBytes(data, listName)), MAC_BYTES);
    byte[] cursor = ByteBuffer.allocate(POSITION_BYTES + MAC_BYTES).put(data).put(mac).array();
    return ENCODER.encodeToString(cursor);
  }

  /** Returns the position in {@code cursor}, or null when it is malformed, forged or from another list. */
  public Position decode(String cursor, String listName) {
    if (cursor == null || cursor.isEmpty() || cursor.length() > MAX_CURSOR_CHARS) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = DECODER.decode(cursor);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (bytes.length != POSITION_BYTES + MAC_BYTES) {
      return null;
    }
    byte[] data = Arrays.copyOf(bytes, POSITION_BYTES);
    byte[] mac = Arrays.copyOfRange(bytes, POSITION_BYTES, bytes.length);
    byte[] expected = Arrays.copyOf(hmac(key, signedBytes(data, listName)), MAC_BYTES);
    if (!MessageDigest.isEqual(mac, expected)) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(data);
    Instant createdAt = Instant.EPOCH.plus(buffer.getLong(), ChronoUnit.MICROS);
    return new Position(createdAt, new UUID(buffer.getLong(), buffer.getLong()));
  }

  private static byte[] signedBytes(byte[] data, String listName) {
    byte[] name = listName.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(data.length + name.length).put(data).put(name).array();
  }

  private static byte[] hmac(SecretKeySpec key, byte[] input) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }
}
