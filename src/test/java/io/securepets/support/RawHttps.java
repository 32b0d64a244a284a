package io.securepets.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Sends hand-written HTTP/1.1 requests over TLS, for what java.net.http refuses to send: control
 * characters in a header, repeated headers in a chosen order, or a connection from another loopback
 * address such as 127.0.0.2. The certificate and host name are still verified.
 */
public final class RawHttps {

  private final int port;
  private final Path certificate;

  public RawHttps(int port, Path certificate) {
    this.port = port;
    this.certificate = certificate;
  }

  /** A parsed response: status, header lines in order, and body. */
  public record Response(int status, List<String[]> headers, String body) {

    /** Returns the first value of header {@code name}, case-insensitively, or null. */
    public String header(String name) {
      for (String[] header : headers) {
        if (header[0].equalsIgnoreCase(name)) {
          return header[1];
        }
      }
      return null;
    }
  }

  /**
   * Sends {@code method path} with {@code headerLines} (each "Name: value", sent byte for byte as
   * ISO-8859-1, so they may contain CR or LF) from the loopback address {@code localAddress}.
   */
  public Response send(String localAddress, String method, String path, List<String> headerLines) {
    StringBuilder request = new StringBuilder()
        .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: localhost:").append(port).append("\r\n");
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    request.append("Connection: close\r\n\r\n");
    try (SSLSocket socket = (SSLSocket) ApiClient.trusting(certificate).getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(localAddress), 0)) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName("localhost")));
      parameters.setApplicationProtocols(new String[] {"http/1.1"});
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(20_000);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return parse(readAll(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " from " + localAddress + " failed", e);
    }
  }

  /** Sends a request from 127.0.0.1. */
  public Response send(String method, String path, List<String> headerLines) {
    return send("127.0.0.1", method, path, headerLines);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      for (int read = in.read(chunk); read >= 0; read = in.read(chunk)) {
        buffer.write(chunk, 0, read);
      }
    } catch (javax.net.ssl.SSLException e) {
      // A server that closes without close_notify after a complete response has still sent it.
      if (buffer.size() == 0) {
        throw e;
      }
    }
    return buffer.toByteArray();
  }

  private static Response parse(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IllegalStateException("incomplete HTTP response: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    int contentLength = -1;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim();
      String value = lines[i].substring(colon + 1).trim();
      headers.add(new String[] {name, value});
      if (name.toLowerCase(Locale.ROOT).equals("content-length")) {
        contentLength = Integer.parseInt(value);
      }
    }
    byte[] rest = text.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1);
    int length = contentLength < 0 ? rest.length : Math.min(contentLength, rest.length);
    return new Response(status, headers, new String(rest, 0, length, StandardCharsets.UTF_8));
  }
}
