package io.securepets.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class TxzArchiveTest {

  @TempDir
  Path directory;

  @Test
  void extractsFilesLinksAndModes() throws IOException {
    byte[] archive = txz(tar -> {
      directory(tar, "bin/");
      file(tar, "bin/initdb", "#!/bin/sh\n", 0700);
      file(tar, "lib/libpq.so.5.14", "library", 0600);
      link(tar, "lib/libpq.so.5", "libpq.so.5.14", TarArchiveEntry.LF_SYMLINK);
      link(tar, "lib/libpq.so", "lib/libpq.so.5.14", TarArchiveEntry.LF_LINK);
    });

    TxzArchive.extract(new ByteArrayInputStream(archive), directory.resolve("pg"));

    Path pg = directory.resolve("pg");
    assertThat(Files.readString(pg.resolve("bin/initdb"))).isEqualTo("#!/bin/sh\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pg.resolve("bin/initdb"))))
        .isEqualTo("rwxr-xr-x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pg.resolve("lib/libpq.so.5.14"))))
        .isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pg.resolve("lib"))))
        .isEqualTo("rwxr-xr-x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pg)))
        .isEqualTo("rwxr-xr-x");
    assertThat(Files.readSymbolicLink(pg.resolve("lib/libpq.so.5"))).isEqualTo(Path.of("libpq.so.5.14"));
    assertThat(Files.readString(pg.resolve("lib/libpq.so.5"))).isEqualTo("library");
    assertThat(Files.isSymbolicLink(pg.resolve("lib/libpq.so"))).isFalse();
    assertThat(Files.readString(pg.resolve("lib/libpq.so"))).isEqualTo("library");
  }

  @Test
  void rejectsEntryOutsideDirectory() throws IOException {
    byte[] archive = txz(tar -> file(tar, "../escaped", "x", 0644));

    assertThatThrownBy(() -> TxzArchive.extract(new ByteArrayInputStream(archive), directory.resolve("pg")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("../escaped");
    assertThat(directory.resolve("escaped")).doesNotExist();
  }

  @Test
  void rejectsSymbolicLinkOutsideDirectory() throws IOException {
    byte[] archive = txz(tar -> link(tar, "lib/passwd", "../../etc/passwd", TarArchiveEntry.LF_SYMLINK));

    assertThatThrownBy(() -> TxzArchive.extract(new ByteArrayInputStream(archive), directory.resolve("pg")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("../../etc/passwd");
    assertThat(directory.resolve("pg/lib/passwd")).doesNotExist();
  }

  private interface Entries {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private static byte[] txz(Entries entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZOutputStream(bytes, new LZMA2Options()))) {
      entries.write(tar);
    }
    return bytes.toByteArray();
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(040755);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, String content, int mode) throws IOException {
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(data.length);
    entry.setMode(0100000 | mode);
    tar.putArchiveEntry(entry);
    tar.write(data);
    tar.closeArchiveEntry();
  }

  private static void link(TarArchiveOutputStream tar, String name, String target, byte type) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name, type);
    entry.setLinkName(target);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }
}
