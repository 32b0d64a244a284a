package io.securepets.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccountSwitchTest {

  @Test
  void everyInstalledToolRunsAsNobody() {
    assumeTrue(AccountSwitch.runningAsRoot(), "switching accounts needs root");
    AccountSwitch.Account nobody = AccountSwitch.Account.fromPasswd("nobody").orElseThrow();
    List<String> problems = new ArrayList<>();

    List<AccountSwitch> switches = AccountSwitch.working(nobody, problems);

    assertThat(problems).as("installed tools that failed").allMatch(problem -> problem.endsWith("is not installed"));
    assertThat(switches).as("tools that switched to nobody").isNotEmpty();
    for (AccountSwitch each : switches) {
      AccountSwitch.Result result = each.run(List.of("id", "-un"), Duration.ofSeconds(20));
      assertThat(result.exitCode()).as("exit code through %s", each.tool()).isZero();
      assertThat(result.output().trim()).as("user through %s", each.tool()).isEqualTo("nobody");
    }
  }

  @Test
  void argumentsPassUnchanged() {
    assumeTrue(AccountSwitch.runningAsRoot(), "switching accounts needs root");
    AccountSwitch.Account nobody = AccountSwitch.Account.fromPasswd("nobody").orElseThrow();

    for (AccountSwitch each : AccountSwitch.working(nobody, new ArrayList<>())) {
      AccountSwitch.Result result = each.run(List.of("printf", "[%s]", "a b", "$HOME", "\"quoted\"", "it's", ""),
          Duration.ofSeconds(20));

      assertThat(result.exitCode()).as("exit code through %s", each.tool()).isZero();
      assertThat(result.output()).as("output through %s", each.tool())
          .isEqualTo("[a b][$HOME][\"quoted\"][it's][]");
    }
  }

  @Test
  void timeoutKillsCommand() {
    assumeTrue(AccountSwitch.runningAsRoot(), "switching accounts needs root");
    AccountSwitch.Account nobody = AccountSwitch.Account.fromPasswd("nobody").orElseThrow();
    AccountSwitch first = AccountSwitch.working(nobody, new ArrayList<>()).get(0);

    AccountSwitch.Result result = first.run(List.of("sleep", "30"), Duration.ofMillis(500));

    assertThat(result.exitCode()).isEqualTo(-1);
    assertThat(result.output()).contains("timed out");
  }
}
