package io.batchjob.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** CPU time of another process and of its threads, from Linux's /proc. */
final class ProcStats {

    private ProcStats() {
    }

    /** utime + stime of the process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
    static double cpuSeconds(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /**
     * CPU seconds (utime + stime) of the process's live threads, summed per thread group: the thread name
     * ({@code /proc/<pid>/task/<tid>/comm}, 15 characters at most) without its digits, so pools add up.
     */
    static Map<String, Double> threadCpu(String pid) throws IOException {
        Map<String, Double> groups = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                    groups.merge(name.replaceAll("[0-9]+", "#").strip(), cpu, Double::sum);
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read; its time is in no group
                }
            }
        }
        return groups;
    }

    /** Milliseconds per job of each thread group between two {@link #threadCpu} snapshots, largest first. */
    static Map<String, Double> perJob(Map<String, Double> after, Map<String, Double> before, double jobs) {
        Map<String, Double> perJob = new LinkedHashMap<>();
        after.entrySet().stream().map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0.0)) * 1000 / jobs))
                .filter(e -> e.getValue() >= 0.005).sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> perJob.put(e.getKey(), e.getValue()));
        return perJob;
    }
}
