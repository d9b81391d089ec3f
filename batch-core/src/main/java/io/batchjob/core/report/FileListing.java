package io.batchjob.core.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Pages of a report directory's files in name order, read with memory bounded by the page size:
 * the directories are streamed once and only the {@code limit} smallest names after the cursor
 * are kept (a bounded heap), so a listing of 100,000 files costs the same memory as one of 10.
 * Hidden names and names {@link FileNames} would refuse are never listed. Stateless; safe from
 * any thread.
 */
public final class FileListing {

    /** The page size when none is asked for. */
    public static final int DEFAULT_LIMIT = 500;
    /** The largest page served, whatever is asked for. */
    public static final int MAX_LIMIT = 5_000;

    private FileListing() {
    }

    /** One file of a listing. */
    public record Entry(String name, long size, Instant modified) {
    }

    /**
     * @param files the page, in name order
     * @param total the listable names in the directories (all pages)
     * @param next  the cursor of the next page ({@code after}), empty on the last page
     */
    public record Page(List<Entry> files, long total, Optional<String> next) {
    }

    /**
     * @param directories directories listed as one (missing ones are empty)
     * @param after       only names after this one ({@code ""} or null: from the first)
     * @param limit       page size, clamped to 1..{@value #MAX_LIMIT}
     */
    public static Page page(List<Path> directories, String after, int limit) throws IOException {
        int size = Math.max(1, Math.min(limit, MAX_LIMIT));
        String from = after == null ? "" : after;
        // Largest first: the head is the name to drop when a smaller one comes along.
        PriorityQueue<String> smallest = new PriorityQueue<>(size + 1, Collections.reverseOrder());
        long total = 0;
        boolean more = false;
        for (Path directory : directories) {
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(directory)) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".") || !FileNames.isSafe(name)) {
                        continue;
                    }
                    total++;
                    if (name.compareTo(from) <= 0) {
                        continue;
                    }
                    smallest.add(name);
                    if (smallest.size() > size) {
                        smallest.poll();
                        more = true;
                    }
                }
            }
        }
        List<String> names = new ArrayList<>(smallest);
        Collections.sort(names);
        List<Entry> entries = new ArrayList<>(names.size());
        for (String name : names) {
            attributes(directories, name).ifPresent(a -> entries.add(new Entry(name, a.size(), a.lastModifiedTime().toInstant())));
        }
        return new Page(List.copyOf(entries), total, more && !names.isEmpty() ? Optional.of(names.get(names.size() - 1)) : Optional.empty());
    }

    /** A regular file's attributes from the first directory that has it (never through a link). */
    private static Optional<BasicFileAttributes> attributes(List<Path> directories, String name) throws IOException {
        for (Path directory : directories) {
            try {
                BasicFileAttributes a = Files.readAttributes(directory.resolve(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile()) {
                    return Optional.of(a);
                }
            } catch (NoSuchFileException e) {
                // in the other directory, or removed since it was listed
            }
        }
        return Optional.empty();
    }
}
