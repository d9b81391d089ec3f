package io.batchjob.http.callback;

import io.batchjob.core.config.Budgets;
import io.batchjob.core.execution.BudgetExceededException;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportStore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * What each job of the running execution has uploaded (files and bytes), checked against
 * {@code maxFilesPerJob} and {@code maxBytesPerJob} before a request's staged files are put in
 * place: a request that would go beyond either is refused whole and nothing of it is stored. The
 * counts start from what is on disk the first time an execution is seen (so a restart does not
 * reset them), then follow every commit.
 *
 * <p>Threading: callback worker threads; the per-execution table is guarded by this object, a
 * job's check-and-commit by its own {@link Usage} (a job has at most two calls open, and the
 * check and the renames are short), so jobs never wait for each other's commits.
 */
final class JobUploads {

    /** Files and bytes of one job; guarded by itself. */
    static final class Usage {
        long files;
        long bytes;
    }

    private final ReportStore store;
    /** The node that owns a file name in the running execution (see {@code JobCallbacks#nodeOwningFile}). */
    private final BiFunction<String, String, Optional<String>> owner;
    private String executionId = "";
    private Map<String, Usage> jobs = new HashMap<>();

    JobUploads(ReportStore store, BiFunction<String, String, Optional<String>> owner) {
        this.store = store;
        this.owner = owner;
    }

    /**
     * Puts the batch's staged files in place, unless they would take the job beyond a budget.
     *
     * @throws BudgetExceededException (413) naming the budget, its value and what the upload would make of it
     */
    void commit(String executionId, String node, io.batchjob.core.report.UploadBatch batch, Budgets budgets) {
        Usage usage = usage(executionId, node);
        synchronized (usage) {
            long newFiles = 0;
            long bytes = 0;
            for (Map.Entry<String, Long> staged : batch.stagedSizes().entrySet()) {
                long replaced = batch.replacedSize(staged.getKey());
                newFiles += replaced < 0 ? 1 : 0;
                bytes += staged.getValue() - Math.max(replaced, 0);
            }
            if (usage.files + newFiles > budgets.maxFilesPerJob()) {
                throw new BudgetExceededException("maxFilesPerJob", 413, "this job has uploaded " + usage.files + " files; with "
                        + newFiles + " more it would have " + (usage.files + newFiles) + ", more than maxFilesPerJob ("
                        + budgets.maxFilesPerJob() + "): pack files into an archive, or raise maxFilesPerJob; nothing was stored");
            }
            if (usage.bytes + bytes > budgets.maxBytesPerJob()) {
                throw new BudgetExceededException("maxBytesPerJob", 413, "this job's files total " + usage.bytes + " bytes; with this"
                        + " upload they would total " + (usage.bytes + bytes) + ", more than maxBytesPerJob (" + budgets.maxBytesPerJob()
                        + "): upload less, or raise maxBytesPerJob; nothing was stored");
            }
            batch.commit();
            usage.files += newFiles;
            usage.bytes += bytes;
        }
    }

    private synchronized Usage usage(String executionId, String node) {
        if (!executionId.equals(this.executionId)) {
            this.executionId = executionId;
            this.jobs = onDisk(executionId);
        }
        return jobs.computeIfAbsent(node, n -> new Usage());
    }

    /** Each job's uploads already in the execution's directory (after a restart, or a re-run's second call). */
    private Map<String, Usage> onDisk(String executionId) {
        Map<String, Usage> found = new HashMap<>();
        Path dir = store.executionDirectory(executionId);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !FileNames.isSafe(name)) {
                    continue;
                }
                Optional<String> node = owner.apply(executionId, name);
                if (node.isEmpty() || name.equals(node.get() + ".json")) {
                    continue; // results are not uploads
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile()) {
                    Usage u = found.computeIfAbsent(node.get(), n -> new Usage());
                    u.files++;
                    u.bytes += a.size();
                }
            }
        } catch (IOException e) {
            // Counted from zero rather than refusing every upload; the disk's own errors still surface on write.
        }
        return found;
    }
}
