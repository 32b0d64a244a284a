package io.securepets;

import ch.qos.logback.classic.Level;
import io.securepets.cli.UsersCommand;
import io.securepets.config.AppConfig;
import io.securepets.config.ConfigException;
import io.securepets.config.ConfigLoader;
import io.securepets.server.ServerLauncher;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** Command line entry: {@code serve} (the default) or {@code users create ...}. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private static final String USAGE = """
      usage: java -jar secure-pets-api.jar [serve]
             java -jar secure-pets-api.jar users create --email E --name N --role user|admin \
      --scopes "read:pets write:pets"   (password on standard input)""";

  private Main() {
  }

  public static void main(String[] args) {
    List<String> arguments = Arrays.asList(args);
    ConfigLoader loader = new ConfigLoader(System.getenv());
    try {
      if (arguments.isEmpty() || arguments.equals(List.of("serve"))) {
        AppConfig config = loader.loadForServer();
        ServerLauncher.RunningServer server = ServerLauncher.start(config);
        stopOnSignal(server, "TERM");
        stopOnSignal(server, "INT");
      } else if (arguments.size() >= 2 && arguments.get(0).equals("users") && arguments.get(1).equals("create")) {
        logWarningsOnly();
        AppConfig config = loader.loadForCommands();
        System.out.println(UsersCommand.create(arguments.subList(2, arguments.size()), System.in, config));
        System.exit(0);
      } else if (arguments.equals(List.of("--help")) || arguments.equals(List.of("help"))) {
        System.out.println(USAGE);
      } else {
        fail("unknown command '" + String.join(" ", arguments) + "'\n" + USAGE, 64);
      }
    } catch (ConfigException | UsersCommand.CommandException e) {
      fail(e.getMessage(), 2);
    } catch (RuntimeException e) {
      fail(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), 1);
    }
  }

  /**
   * Stops the server gracefully on {@code signalName} and exits 0, where the JVM's default handling of
   * SIGTERM would exit 143 without waiting for requests in flight.
   */
  private static void stopOnSignal(ServerLauncher.RunningServer server, String signalName) {
    Signal.handle(new Signal(signalName), signal -> {
      LOG.atInfo()
          .addKeyValue("signal", "SIG" + signalName)
          .log("Received a stop signal, finishing requests in flight and stopping");
      server.close();
      System.exit(0);
    });
  }

  /**
   * Raises the root log level to WARN for a command, so that informational lines (such as the
   * migration report) do not precede its one-line error on stderr. A set PETS_LOG_LEVEL still wins.
   */
  private static void logWarningsOnly() {
    if (System.getenv("PETS_LOG_LEVEL") != null) {
      return;
    }
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(Level.WARN);
    }
  }

  private static void fail(String message, int status) {
    System.err.println("error: " + message);
    System.exit(status);
  }
}
