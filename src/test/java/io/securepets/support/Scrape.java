package io.securepets.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One GET /metrics from a management listener, parsed from the Prometheus text format. */
public final class Scrape {

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One sample line: metric name, labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {
  }

  private final String text;
  private final List<Sample> samples;

  private Scrape(String text) {
    this.text = text;
    this.samples = parse(text);
  }

  /** Fetches {@code http://host:port/metrics} over plain HTTP; fails unless the status is 200. */
  public static Scrape fetch(HttpClient client, String host, int port) {
    HttpResponse<String> response = get(client, host, port, "/metrics");
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET /metrics returned status " + response.statusCode() + ": "
          + response.body());
    }
    return new Scrape(response.body());
  }

  /** Sends a plain-HTTP GET to the management listener. */
  public static HttpResponse<String> get(HttpClient client, String host, int port, String path) {
    return send(client, HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path)).GET(), path);
  }

  /** Sends a plain-HTTP request with any method and no body to the management listener. */
  public static HttpResponse<String> send(HttpClient client, String host, int port, String method, String path) {
    return send(client, HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()), path);
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request, String path) {
    try {
      return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("request to " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public String text() {
    return text;
  }

  /** Returns every sample of {@code name} whose labels include all of {@code labels}. */
  public List<Sample> samples(String name, Map<String, String> labels) {
    List<Sample> matches = new ArrayList<>();
    for (Sample sample : samples) {
      if (sample.name().equals(name) && sample.labels().entrySet().containsAll(labels.entrySet())) {
        matches.add(sample);
      }
    }
    return matches;
  }

  /** Returns the sum of the matching samples, 0 when none match (a counter not yet created). */
  public double sum(String name, Map<String, String> labels) {
    return samples(name, labels).stream().mapToDouble(Sample::value).sum();
  }

  /** Returns every distinct value of {@code label} among the samples of {@code name}. */
  public List<String> labelValues(String name, String label) {
    return samples.stream()
        .filter(sample -> sample.name().equals(name) && sample.labels().containsKey(label))
        .map(sample -> sample.labels().get(label))
        .distinct()
        .toList();
  }

  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  private static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int valueStart = line.lastIndexOf(' ');
      String series = line.substring(0, valueStart);
      double value = parseValue(line.substring(valueStart + 1));
      int brace = series.indexOf('{');
      Map<String, String> labels = new HashMap<>();
      if (brace >= 0) {
        Matcher matcher = LABEL.matcher(series.substring(brace));
        while (matcher.find()) {
          labels.put(matcher.group(1), matcher.group(2));
        }
      }
      samples.add(new Sample(brace < 0 ? series : series.substring(0, brace), labels, value));
    }
    return samples;
  }
}
