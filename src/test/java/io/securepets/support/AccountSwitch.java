package io.securepets.support;

import com.sun.security.auth.module.UnixSystem;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands as an unprivileged account from a JVM that runs as root, through setpriv or runuser
 * (util-linux) or su (util-linux or BusyBox). Each needs only the CAP_SETUID and CAP_SETGID
 * capabilities, and no user namespace.
 */
final class AccountSwitch {

  /** Tools that can run a command as another account, in order of preference. */
  enum Tool {
    /** Changes the ids and execs the command, with no PAM session and no intermediate process. */
    SETPRIV,
    /** Opens a PAM session and runs the command as a child of runuser. */
    RUNUSER,
    /** Like runuser, through the account's shell replaced by /bin/sh, because system accounts have nologin. */
    SU;

    String executableName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A local account, as listed in /etc/passwd. */
  record Account(String name, int uid, int gid) {

    /** Looks up {@code name} in /etc/passwd, and returns empty when it is not listed there. */
    static Optional<Account> fromPasswd(String name) {
      Path passwd = Path.of("/etc/passwd");
      try {
        for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
          String[] fields = line.split(":");
          if (fields.length >= 4 && fields[0].equals(name)) {
            return Optional.of(new Account(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3])));
          }
        }
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + passwd, e);
      }
    }
  }

  /** The exit code and the combined standard output and error of a finished command. */
  record Result(int exitCode, String output) {
  }

  private final Tool tool;
  private final Path executable;
  private final Account account;

  private AccountSwitch(Tool tool, Path executable, Account account) {
    this.tool = tool;
    this.executable = executable;
    this.account = account;
  }

  /** Returns true when this JVM runs as root on Linux. */
  static boolean runningAsRoot() {
    return System.getProperty("os.name", "").startsWith("Linux") && new UnixSystem().getUid() == 0;
  }

  /**
   * Returns a switch through each installed tool that runs {@code id -u} as {@code account} and prints the
   * account's uid, in the order of {@link Tool}. Each tool that is missing or fails adds a sentence to
   * {@code problems}.
   */
  static List<AccountSwitch> working(Account account, List<String> problems) {
    List<AccountSwitch> switches = new ArrayList<>();
    for (Tool tool : Tool.values()) {
      Optional<Path> executable = findExecutable(tool.executableName());
      if (executable.isEmpty()) {
        problems.add(tool.executableName() + " is not installed");
        continue;
      }
      AccountSwitch candidate = new AccountSwitch(tool, executable.get(), account);
      Result probe = candidate.run(List.of("id", "-u"), Duration.ofSeconds(20));
      if (probe.exitCode() == 0 && probe.output().trim().equals(String.valueOf(account.uid()))) {
        switches.add(candidate);
      } else {
        problems.add(executable.get() + " failed to run 'id -u' as " + account.name() + " (exit code "
            + probe.exitCode() + "): " + probe.output().trim());
      }
    }
    return switches;
  }

  Tool tool() {
    return tool;
  }

  Account account() {
    return account;
  }

  /** Returns {@code command} prefixed so that it runs as the account. */
  List<String> wrap(List<String> command) {
    List<String> wrapped = new ArrayList<>();
    wrapped.add(executable.toString());
    switch (tool) {
      case SETPRIV -> wrapped.addAll(List.of("--reuid=" + account.uid(), "--regid=" + account.gid(),
          "--clear-groups", "--"));
      case RUNUSER -> wrapped.addAll(List.of("-u", account.name(), "--"));
      // "--" keeps su from parsing the command's options as its own. The shell gets the command as $0
      // and its arguments as $@, so nothing is quoted or split.
      case SU -> wrapped.addAll(List.of("-s", "/bin/sh", "-c", "exec \"$0\" \"$@\"", "--", account.name()));
    }
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Starts {@code command} as the account in the root directory, with standard output and error appended
   * to {@code log}. The returned process is the command itself for setpriv, and runuser or su otherwise.
   */
  Process start(List<String> command, Path log) throws IOException {
    return new ProcessBuilder(wrap(command))
        .directory(new File("/"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /**
   * Runs {@code command} as the account and waits for it. A command still running after {@code timeout}
   * is killed and reported with exit code -1; a command that cannot be started is reported with -2.
   */
  Result run(List<String> command, Duration timeout) {
    Path output = null;
    try {
      output = Files.createTempFile("account-switch", ".log");
      Process process = start(command, output);
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      return finished ? new Result(process.exitValue(), text)
          : new Result(-1, text + "\n(timed out after " + timeout.toSeconds() + " s)");
    } catch (IOException e) {
      return new Result(-2, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-2, "interrupted");
    } finally {
      if (output != null) {
        output.toFile().delete();
      }
    }
  }

  @Override
  public String toString() {
    return executable + " as " + account.name() + " (uid " + account.uid() + ")";
  }

  /** Looks for {@code name} in the directories of PATH, then in the sbin and bin directories that root uses. */
  private static Optional<Path> findExecutable(String name) {
    Set<String> directories = new LinkedHashSet<>();
    String path = System.getenv("PATH");
    if (path != null) {
      directories.addAll(List.of(path.split(File.pathSeparator)));
    }
    directories.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
    return directories.stream()
        .filter(directory -> !directory.isEmpty())
        .map(directory -> Path.of(directory, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
