package io.securepets.support;

import io.securepets.config.AppConfig;
import io.securepets.config.ConfigLoader;
import io.securepets.server.ServerLauncher;
import java.net.http.HttpClient;
import java.util.Map;

/**
 * A server started in the test JVM from {@link ServerSettings}, with the limiter on a {@link TestClock},
 * and an HTTPS client for it. Close it at the end of the test.
 */
public final class InProcessServer implements AutoCloseable {

  private final Map<String, String> settings;
  private final AppConfig config;
  private final TestClock clock;
  private final ServerLauncher.RunningServer server;
  private final ApiClient client;

  private InProcessServer(Map<String, String> settings, TestClock clock) {
    this.settings = Map.copyOf(settings);
    this.config = new ConfigLoader(this.settings).loadForServer();
    this.clock = clock;
    this.server = ServerLauncher.start(config, clock);
    this.client = new ApiClient(config.httpsPort(), config.tlsCert(), HttpClient.Version.HTTP_1_1);
  }

  /** Starts a server with {@code overrides} applied to fresh settings and its limiter on a new clock. */
  public static InProcessServer start(Map<String, String> overrides) {
    Map<String, String> settings = ServerSettings.fresh();
    settings.putAll(overrides);
    return new InProcessServer(settings, new TestClock());
  }

  public ApiClient client() {
    return client;
  }

  public TestClock clock() {
    return clock;
  }

  public AppConfig config() {
    return config;
  }

  public int port() {
    return config.httpsPort();
  }

  public String keyPrefix() {
    return settings.get("PETS_REDIS_KEY_PREFIX");
  }

  public String redisUrl() {
    return settings.get("PETS_REDIS_URL");
  }

  @Override
  public void close() {
    server.close();
  }
}
