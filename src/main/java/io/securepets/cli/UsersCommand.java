package io.securepets.cli;

import io.securepets.auth.PasswordHasher;
import io.securepets.auth.Scopes;
import io.securepets.config.AppConfig;
import io.securepets.db.Migrations;
import io.securepets.db.PgConnections;
import io.securepets.users.DuplicateEmailException;
import io.securepets.users.User;
import io.securepets.users.UserRepository;
import io.securepets.validation.PlainText;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * {@code users create --email E --name N --role user|admin --scopes "read:pets write:pets"}: reads the
 * password from standard input, hashes it with argon2id and inserts the user.
 */
public final class UsersCommand {

  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,63}");
  private static final List<String> OPTIONS = List.of("--email", "--name", "--role", "--scopes");

  private UsersCommand() {
  }

  /** Raised for invalid arguments or a failed insert; the message is the one line printed to stderr. */
  public static final class CommandException extends RuntimeException {
    public CommandException(String message) {
      super(message, null, false, false);
    }
  }

  /** The validated arguments of {@code users create}. */
  record NewUser(String email, String name, String role, List<String> scopes) {
  }

  /** Runs the command and returns the new user as one JSON line. */
  public static String create(List<String> args, InputStream stdin, AppConfig config) {
    NewUser user = parse(args);
    String password = readPassword(stdin);
    Migrations.apply(config.database());
    String hash = PasswordHasher.hashNow(password);
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgConnections.pool(vertx, config.database(), false);
      User created = PgConnections.warmUp(vertx, pool)
          .compose(ignored -> new UserRepository(pool, pool).create(user.email(), user.name(), user.role(), user.scopes(),
              hash))
          .toCompletionStage().toCompletableFuture().join();
      return created.createdView().encode();
    } catch (CompletionException e) {
      if (e.getCause() instanceof DuplicateEmailException duplicate) {
        throw new CommandException(duplicate.getMessage());
      }
      throw new CommandException("cannot create the user: " + e.getCause().getMessage());
    } finally {
      vertx.close();
    }
  }

  static NewUser parse(List<String> args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      if (!OPTIONS.contains(option)) {
        throw new CommandException("unknown argument '" + option + "'; usage: users create --email E --name N "
            + "--role user|admin --scopes \"read:pets write:pets\"");
      }
      if (i + 1 >= args.size()) {
        throw new CommandException(option + " needs a value");
      }
      if (values.put(option, args.get(++i)) != null) {
        throw new CommandException(option + " is given twice");
      }
    }
    for (String option : List.of("--email", "--name", "--role")) {
      if (!values.containsKey(option)) {
        throw new CommandException(option + " is missing");
      }
    }
    String email = values.get("--email").strip().toLowerCase(Locale.ROOT);
    if (email.length() > 254 || !EMAIL.matcher(email).matches()) {
      throw new CommandException("--email '" + values.get("--email") + "' is not a valid email address");
    }
    String rawName = values.get("--name");
    String name = PlainText.hasControlOrBrokenCharacters(rawName) ? null : PlainText.of(rawName);
    if (name == null || name.isEmpty() || name.codePointCount(0, name.length()) > 100) {
      throw new CommandException("--name must be plain text of 1 to 100 characters");
    }
    String role = values.get("--role");
    if (!role.equals("user") && !role.equals("admin")) {
      throw new CommandException("--role is '" + role + "': use user or admin");
    }
    List<String> scopes = new ArrayList<>(Scopes.parse(values.getOrDefault("--scopes", "")));
    for (String scope : scopes) {
      if (!Scopes.ALL.contains(scope)) {
        throw new CommandException("--scopes contains unknown scope '" + scope + "'; known scopes: "
            + String.join(" ", Scopes.ALL));
      }
    }
    return new NewUser(email, name, role, List.copyOf(scopes));
  }

  /** Reads the first line of standard input; the trailing line break is not part of the password. */
  static String readPassword(InputStream stdin) {
    String line;
    try {
      line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      throw new CommandException("cannot read the password from standard input: " + e.getMessage());
    }
    if (line == null || line.isEmpty()) {
      throw new CommandException("no password on standard input: pipe it in, for example "
          + "printf '%s\\n' \"$PASSWORD\" | java -jar target/secure-pets-api.jar users create ...");
    }
    if (line.codePointCount(0, line.length()) < PasswordHasher.MIN_PASSWORD_CODE_POINTS) {
      throw new CommandException("password is too weak: use at least " + PasswordHasher.MIN_PASSWORD_CODE_POINTS
          + " characters");
    }
    if (line.length() > PasswordHasher.MAX_PASSWORD_CHARS) {
      throw new CommandException("password is too long: use at most " + PasswordHasher.MAX_PASSWORD_CHARS
          + " characters");
    }
    return line;
  }
}
