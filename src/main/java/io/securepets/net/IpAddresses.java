package io.securepets.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * IP address literals from untrusted text, parsed without any DNS lookup, and the CIDR ranges of
 * {@code PETS_TRUSTED_PROXIES}. An IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) is treated
 * as the IPv4 address it carries.
 */
public final class IpAddresses {

  private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF};

  private IpAddresses() {
  }

  /**
   * Returns the 4 or 16 address bytes of {@code text}, or null when it is not an IP literal. Accepts
   * the forms proxies write in X-Forwarded-For: {@code [v6]}, {@code [v6]:port} and {@code v4:port}.
   */
  public static byte[] parse(String text) {
    if (text == null) {
      return null;
    }
    String literal = text.strip();
    if (literal.startsWith("[")) {
      int close = literal.indexOf(']');
      if (close < 0) {
        return null;
      }
      literal = literal.substring(1, close);
    } else if (literal.indexOf(':') > 0 && literal.indexOf(':') == literal.lastIndexOf(':')) {
      literal = literal.substring(0, literal.indexOf(':'));
    }
    int zone = literal.indexOf('%');
    if (zone >= 0) {
      literal = literal.substring(0, zone);
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
    return bytes == null ? null : unmapped(bytes);
  }

  private static byte[] unmapped(byte[] bytes) {
    if (bytes.length == 16 && Arrays.equals(Arrays.copyOf(bytes, 12), MAPPED_PREFIX)) {
      return Arrays.copyOfRange(bytes, 12, 16);
    }
    return bytes;
  }

  /** Formats address bytes in the standard text form: dotted IPv4, or compressed IPv6. */
  public static String format(byte[] bytes) {
    try {
      return NetUtil.toAddressString(InetAddress.getByAddress(bytes));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length, e);
    }
  }

  /**
   * Returns the key that groups a client for rate limiting: the IPv4 address itself, or the /64
   * network of an IPv6 address, since one IPv6 host usually controls a whole /64.
   */
  public static String limiterKey(byte[] bytes) {
    if (bytes.length == 4) {
      return format(bytes);
    }
    byte[] network = Arrays.copyOf(Arrays.copyOf(bytes, 8), 16);
    return format(network) + "/64";
  }

  /** An address range such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. */
  public record Cidr(byte[] network, int prefixLength) {

    /** Parses {@code text}; a bare address is a /32 or /128. Returns null when it is not a CIDR. */
    public static Cidr parse(String text) {
      String[] parts = text.strip().split("/", -1);
      if (parts.length > 2) {
        return null;
      }
      byte[] address = NetUtil.createByteArrayFromIpAddressString(parts[0]);
      if (address == null) {
        return null;
      }
      address = unmapped(address);
      int bits = address.length * 8;
      int prefix = bits;
      if (parts.length == 2) {
        if (!parts[1].matches("[0-9]{1,3}")) {
          return null;
        }
        prefix = Integer.parseInt(parts[1]);
        if (prefix > bits) {
          return null;
        }
      }
      return new Cidr(address, prefix);
    }

    public boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int fullBytes = prefixLength / 8;
      for (int i = 0; i < fullBytes; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int remainingBits = prefixLength % 8;
      if (remainingBits == 0) {
        return true;
      }
      int mask = (0xFF << (8 - remainingBits)) & 0xFF;
      return (address[fullBytes] & mask) == (network[fullBytes] & mask);
    }
  }
}
