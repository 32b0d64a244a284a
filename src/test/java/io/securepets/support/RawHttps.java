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
 * address such as 127.0.0.2. It also sends bodies of arbitrary bytes, several requests on one
 * connection, and requests written slowly on an open socket. The certificate and host name are
 * still verified.
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
    try (SSLSocket socket = connect(localAddress)) {
      OutputStream out = socket.getOutputStream();
      out.write(head(method, path, headerLines).getBytes(StandardCharsets.ISO_8859_1));
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

  /** Sends a request from 127.0.0.1 with {@code body} as it is, after a Content-Length header. */
  public Response send(String method, String path, List<String> headerLines, byte[] body) {
    List<String> lines = new ArrayList<>(headerLines);
    lines.add("Content-Length: " + body.length);
    try (SSLSocket socket = connect("127.0.0.1")) {
      OutputStream out = socket.getOutputStream();
      out.write(head(method, path, lines).getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return parse(readAll(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed", e);
    }
  }

  /**
   * Writes {@code bytes} as they are, which may hold several requests, and returns every response
   * read until the server closes the connection, so the last request should send Connection: close.
   */
  public List<Response> exchange(byte[] bytes) {
    try (SSLSocket socket = connect("127.0.0.1")) {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      return parseAll(readAll(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException("raw exchange failed", e);
    }
  }

  /**
   * Opens an HTTP/1.1 connection over TLS from {@code localAddress}, with the handshake done and a
   * read timeout of 20 s. The caller closes it.
   */
  public SSLSocket connect(String localAddress) throws IOException {
    SSLSocket socket = (SSLSocket) ApiClient.trusting(certificate).getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(localAddress), 0);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName("localhost")));
    parameters.setApplicationProtocols(new String[] {"http/1.1"});
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    return socket;
  }

  private String head(String method, String path, List<String> headerLines) {
    StringBuilder request = new StringBuilder()
        .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: localhost:").append(port).append("\r\n");
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    return request.append("Connection: close\r\n\r\n").toString();
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
    List<Response> responses = parseAll(bytes);
    if (responses.isEmpty()) {
      throw new IllegalStateException("no HTTP response: " + new String(bytes, StandardCharsets.ISO_8859_1));
    }
    return responses.get(0);
  }

  /** Parses consecutive responses, each framed by Content-Length or by the end of the bytes. */
  private static List<Response> parseAll(byte[] bytes) {
    List<Response> responses = new ArrayList<>();
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf("\r\n\r\n", start);
      if (end < 0) {
        throw new IllegalStateException("incomplete HTTP response: " + text.substring(start));
      }
      String[] lines = text.substring(start, end).split("\r\n");
      int contentLength = -1;
      List<String[]> headers = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        String name = lines[i].substring(0, colon).trim();
        String value = lines[i].substring(colon + 1).trim();
        headers.add(new String[] {name, value});
        if (name.toLowerCase(Locale.ROOT).equals("content-length")) {
          contentLength = Integer.parseInt(value);
        }
      }
      int bodyStart = end + 4;
      int bodyEnd = contentLength < 0 ? text.length() : Math.min(bodyStart + contentLength, text.length());
      byte[] body = text.substring(bodyStart, bodyEnd).getBytes(StandardCharsets.ISO_8859_1);
      responses.add(new Response(Integer.parseInt(lines[0].split(" ")[1]), headers,
          new String(body, StandardCharsets.UTF_8)));
      start = bodyEnd;
    }
    return responses;
  }
}
