package io.securepets.http;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The form of every timestamp in responses: ISO-8601 in UTC with millisecond precision. */
public final class Timestamps {

  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  /** First and last second of the years 0 to 9999 in UTC. */
  private static final long FIRST_SECOND = LocalDateTime.of(0, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
  private static final long LAST_SECOND = LocalDateTime.of(9999, 12, 31, 23, 59, 59).toEpochSecond(ZoneOffset.UTC);

  private Timestamps() {
  }

  /**
   * Formats a time outside the years 0 to 9999, such as PostgreSQL's 'infinity', which vertx-pg-client
   * reads as OffsetDateTime.MAX. Such a time may not fit in UTC, so it keeps its own offset then.
   */
  private static String outsideFourDigitYears(OffsetDateTime time) {
    try {
      return FORMAT.format(time);
    } catch (DateTimeException e) {
      return time.toString();
    }
  }

  /**
   * Formats {@code time} as {@code 2026-01-31T12:00:00.000Z}. Years 0 to 9999 are written digit by
   * digit, because DateTimeFormatter showed in profiles of the pet endpoints. Other years go through
   * the formatter. It never throws, so one odd row cannot fail a whole page.
   */
  public static String format(OffsetDateTime time) {
    long epochSecond = time.toEpochSecond();
    if (epochSecond < FIRST_SECOND || epochSecond > LAST_SECOND) {
      return outsideFourDigitYears(time);
    }
    LocalDateTime utc = LocalDateTime.ofEpochSecond(epochSecond, time.getNano(), ZoneOffset.UTC);
    int year = utc.getYear();
    char[] text = new char[24];
    digits(text, 0, year, 4);
    text[4] = '-';
    digits(text, 5, utc.getMonthValue(), 2);
    text[7] = '-';
    digits(text, 8, utc.getDayOfMonth(), 2);
    text[10] = 'T';
    digits(text, 11, utc.getHour(), 2);
    text[13] = ':';
    digits(text, 14, utc.getMinute(), 2);
    text[16] = ':';
    digits(text, 17, utc.getSecond(), 2);
    text[19] = '.';
    digits(text, 20, utc.getNano() / 1_000_000, 3);
    text[23] = 'Z';
    return new String(text);
  }

  private static void digits(char[] text, int start, int value, int width) {
    for (int i = start + width - 1; i >= start; i--) {
      text[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
