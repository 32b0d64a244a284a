package io.securepets.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimestampsTest {

  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @ParameterizedTest
  @CsvSource({
      "2026-01-31T12:00:00Z, 2026-01-31T12:00:00.000Z",
      "2026-12-04T23:59:59.999999+00:00, 2026-12-04T23:59:59.999Z",
      "2026-12-05T01:30:00.5+02:00, 2026-12-04T23:30:00.500Z",
      "2026-03-01T00:00:00.001-05:00, 2026-03-01T05:00:00.001Z",
      "0001-01-01T00:00:00Z, 0001-01-01T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z, 9999-12-31T23:59:59.999Z",
  })
  void formatsInUtcWithMilliseconds(String time, String expected) {
    assertThat(Timestamps.format(OffsetDateTime.parse(time))).isEqualTo(expected);
  }

  @Test
  void yearsOutsideFourDigitsUseTheFormatter() {
    OffsetDateTime far = OffsetDateTime.of(12026, 5, 6, 7, 8, 9, 0, ZoneOffset.UTC);

    assertThat(Timestamps.format(far)).isEqualTo(REFERENCE.format(far));
  }

  @Test
  void extremesDoNotThrow() {
    assertThat(Timestamps.format(OffsetDateTime.MAX)).isEqualTo(OffsetDateTime.MAX.toString());
    assertThat(Timestamps.format(OffsetDateTime.MIN)).isEqualTo(OffsetDateTime.MIN.toString());
    assertThat(Timestamps.format(OffsetDateTime.of(-44, 3, 15, 12, 0, 0, 0, ZoneOffset.UTC)))
        .isEqualTo("-0044-03-15T12:00:00.000Z");
  }

  @Test
  void agreesWithTheFormatterOnRandomTimes() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    OffsetDateTime start = OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    for (int i = 0; i < 10_000; i++) {
      ZoneOffset offset = ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 3600, 18 * 3600 + 1));
      OffsetDateTime time = start.plus(random.nextLong(0, 4_102_444_800_000_000L), ChronoUnit.MICROS)
          .withOffsetSameInstant(offset);

      assertThat(Timestamps.format(time)).as("%s", time).isEqualTo(REFERENCE.format(time));
    }
  }
}
