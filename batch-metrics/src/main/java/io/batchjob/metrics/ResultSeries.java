package io.batchjob.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-node result series ({@code _processing}, {@code _duration} and the configured gauges)
 * in compact columns instead of one metric object per series: per family and execution a column
 * of rows (node, configured label values, value), with node names and label values shared
 * (interned) across executions. A scrape writes them straight from here
 * ({@link ResultExposition}), sorted as prometheus-metrics sorts data points.
 *
 * <p>Threading: every method is {@code synchronized}. Mutations come from the engine's events
 * thread (and a config reload); {@link #view()} runs on a scrape thread and returns an immutable
 * snapshot: columns of executions that are no longer the newest are sealed (sorted, immutable;
 * a late write replaces the column with a changed copy) and shared by reference, the open columns
 * (the newest execution and {@code latest}) are copied, so a scrape costs the newest execution's
 * rows, not the history's.
 */
final class ResultSeries {

    static final String LATEST = "latest";
    private static final String[] NO_VALUES = new String[0];

    private final boolean latest;
    /** Families by name (the metric name); insertion order does not matter: views sort by name. */
    private final Map<String, Family> families = new LinkedHashMap<>();
    private final Map<String, String> strings = new HashMap<>();
    private final Map<List<String>, String[]> tuples = new HashMap<>();

    ResultSeries(boolean latest) {
        this.latest = latest;
    }

    /** Whether every per-node series is kept twice: also with {@code executionID="latest"}. */
    boolean keepsLatest() {
        return latest;
    }

    /** One metric: its name, help and label names (the configured ones, then node and executionID). */
    static final class Family {
        final String name;
        final String help;
        final String[] labelNames;
        /** Positions of {@link #labelNames} in the order prometheus-metrics sorts label names (String order). */
        final int[] sortedPositions;
        final TreeMap<String, Column> columns = new TreeMap<>();
        Column latestColumn;

        Family(String name, String help, List<String> configuredLabels) {
            this.name = name;
            this.help = help;
            List<String> all = new ArrayList<>(configuredLabels);
            all.add("node");
            all.add("executionID");
            this.labelNames = all.toArray(String[]::new);
            Integer[] order = new Integer[labelNames.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> labelNames[a].compareTo(labelNames[b]));
            this.sortedPositions = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        }

        int configured() {
            return labelNames.length - 2;
        }

        /** The label value at {@code position} of a row; the execution ID is the column's. */
        String value(Column c, int row, int position) {
            int configured = configured();
            if (position < configured) {
                return c.values[row][position];
            }
            return position == configured ? c.nodes[row] : c.executionId;
        }

        /** Row order of prometheus-metrics' data points: label values compared in sorted label-name order. */
        int compare(Column a, int ra, Column b, int rb) {
            for (int p : sortedPositions) {
                int c = value(a, ra, p).compareTo(value(b, rb, p));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
    }

    /** The rows of one family in one execution (or {@code latest}). Open columns change; sealed ones never do. */
    static final class Column {
        final String executionId;
        String[] nodes;
        String[][] values;
        double[] samples;
        int size;
        /** Row by (node, values); only while open. */
        Map<RowKey, Integer> index;

        Column(String executionId, int capacity) {
            this.executionId = executionId;
            this.nodes = new String[capacity];
            this.values = new String[capacity][];
            this.samples = new double[capacity];
            this.index = new HashMap<>();
        }

        boolean sealed() {
            return index == null;
        }

        Column copy(boolean open) {
            Column c = new Column(executionId, Math.max(size, 1));
            System.arraycopy(nodes, 0, c.nodes, 0, size);
            System.arraycopy(values, 0, c.values, 0, size);
            System.arraycopy(samples, 0, c.samples, 0, size);
            c.size = size;
            if (open) {
                for (int i = 0; i < size; i++) {
                    c.index.put(new RowKey(nodes[i], values[i]), i);
                }
            } else {
                c.index = null;
            }
            return c;
        }

        void set(String node, String[] vals, double sample) {
            RowKey key = new RowKey(node, vals);
            Integer row = index.get(key);
            if (row != null) {
                samples[row] = sample;
                return;
            }
            if (size == nodes.length) {
                int capacity = Math.max(8, size + (size >> 1));
                nodes = Arrays.copyOf(nodes, capacity);
                values = Arrays.copyOf(values, capacity);
                samples = Arrays.copyOf(samples, capacity);
            }
            nodes[size] = node;
            values[size] = vals;
            samples[size] = sample;
            index.put(key, size++);
        }

        void remove(String node, String[] vals) {
            Integer row = index.remove(new RowKey(node, vals));
            if (row == null) {
                return;
            }
            int last = --size;
            if (row != last) {
                nodes[row] = nodes[last];
                values[row] = values[last];
                samples[row] = samples[last];
                index.put(new RowKey(nodes[row], values[row]), row);
            }
            nodes[last] = null;
            values[last] = null;
        }

        /** Sorts the rows as the exposition lists them (the execution ID is the same in every row). */
        void sort(Family f) {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> f.compare(this, a, this, b));
            String[] n = new String[size];
            String[][] v = new String[size][];
            double[] s = new double[size];
            for (int i = 0; i < size; i++) {
                n[i] = nodes[order[i]];
                v[i] = values[order[i]];
                s[i] = samples[order[i]];
            }
            nodes = n;
            values = v;
            samples = s;
        }
    }

    /** Identity of a row within a column; label value arrays are interned, so equal content is usually the same array. */
    record RowKey(String node, String[] values) {
        @Override
        public boolean equals(Object o) {
            return o instanceof RowKey k && node.equals(k.node) && Arrays.equals(values, k.values);
        }

        @Override
        public int hashCode() {
            return 31 * node.hashCode() + Arrays.hashCode(values);
        }
    }

    /** Defines (or redefines, dropping its series) a family; the handle writes go through. */
    synchronized Family define(String name, String help, List<String> configuredLabels) {
        Family f = new Family(name, help, configuredLabels);
        families.put(name, f);
        return f;
    }

    /**
     * Redefines a family with a new help text or new labels, keeping its series: each row's
     * configured values move to the new labels by name (a label the old definition did not have is
     * ""; one it no longer has is dropped, and rows that become equal keep the last value).
     *
     * @return the new definition (writes through {@code old} are ignored from now on)
     */
    synchronized Family redefine(Family old, String help, List<String> configuredLabels) {
        Family f = new Family(old.name, help, configuredLabels);
        List<String> oldLabels = Arrays.asList(old.labelNames).subList(0, old.configured());
        int[] from = new int[f.configured()];
        for (int i = 0; i < from.length; i++) {
            from[i] = oldLabels.indexOf(f.labelNames[i]);
        }
        old.columns.forEach((id, c) -> f.columns.put(id, remap(f, c, from)));
        if (old.latestColumn != null) {
            f.latestColumn = remap(f, old.latestColumn, from);
        }
        if (families.get(old.name) == old) {
            families.put(f.name, f);
        }
        return f;
    }

    private Column remap(Family f, Column c, int[] from) {
        Column out = new Column(c.executionId, Math.max(c.size, 1));
        for (int row = 0; row < c.size; row++) {
            String[] vals = new String[from.length];
            for (int i = 0; i < from.length; i++) {
                vals[i] = from[i] < 0 ? "" : c.values[row][from[i]];
            }
            out.set(c.nodes[row], intern(vals), c.samples[row]);
        }
        return c.sealed() ? seal(f, out) : out;
    }

    /** Drops the family (if {@code f} is still the defined one) with its series. */
    synchronized void remove(Family f) {
        families.remove(f.name, f);
    }

    /** Puts a family back as it was (a refused reconfiguration rolls back to it, with its series). */
    synchronized void restore(Family f) {
        families.put(f.name, f);
    }

    /** A newer execution started: the columns of the others are sealed (sorted, immutable). */
    synchronized void executionStarted(String executionId) {
        for (Family f : families.values()) {
            f.columns.replaceAll((id, c) -> id.equals(executionId) || c.sealed() ? c : seal(f, c));
        }
    }

    private static Column seal(Family f, Column c) {
        Column sealed = c.copy(false);
        sealed.sort(f);
        return sealed;
    }

    /** Sets a series (and its {@code latest} copy when configured). */
    synchronized void set(Family f, String executionId, String node, String[] configuredValues, double value) {
        if (families.get(f.name) != f) {
            return; // removed or redefined meanwhile
        }
        String n = intern(node);
        String[] vals = intern(configuredValues);
        open(f, executionId).set(n, vals, value);
        if (latest) {
            latestColumn(f).set(n, vals, value);
        }
    }

    /** Removes a series (and its {@code latest} copy). */
    synchronized void removeSeries(Family f, String executionId, String node, String[] configuredValues) {
        if (families.get(f.name) != f || !f.columns.containsKey(executionId)) {
            return;
        }
        open(f, executionId).remove(node, configuredValues);
        if (latest && f.latestColumn != null) {
            latestColumn(f).remove(node, configuredValues);
        }
    }

    /** Drops every series of the execution (not their {@code latest} copies, as before). */
    synchronized void prune(String executionId) {
        boolean any = false;
        for (Family f : families.values()) {
            any |= f.columns.remove(executionId) != null;
        }
        if (any) {
            rebuildInterners();
        }
    }

    private Column open(Family f, String executionId) {
        Column c = f.columns.get(executionId);
        if (c == null) {
            c = new Column(executionId, 16);
            f.columns.put(executionId, c);
        } else if (c.sealed()) {
            c = c.copy(true); // a late write to an older execution: copy on write, views keep the old one
            f.columns.put(executionId, c);
        }
        return c;
    }

    private Column latestColumn(Family f) {
        if (f.latestColumn == null) {
            f.latestColumn = new Column(LATEST, 16);
        }
        return f.latestColumn;
    }

    private String intern(String s) {
        String known = strings.putIfAbsent(s, s);
        return known == null ? s : known;
    }

    private String[] intern(String[] values) {
        if (values.length == 0) {
            return NO_VALUES;
        }
        String[] interned = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            interned[i] = intern(values[i]);
        }
        String[] known = tuples.putIfAbsent(Arrays.asList(interned), interned);
        return known == null ? interned : known;
    }

    /** Forgets strings and tuples no kept row uses any more (they would otherwise pile up over the executions). */
    private void rebuildInterners() {
        strings.clear();
        tuples.clear();
        for (Family f : families.values()) {
            List<Column> all = new ArrayList<>(f.columns.values());
            if (f.latestColumn != null) {
                all.add(f.latestColumn);
            }
            for (Column c : all) {
                for (int i = 0; i < c.size; i++) {
                    strings.putIfAbsent(c.nodes[i], c.nodes[i]);
                    for (String v : c.values[i]) {
                        strings.putIfAbsent(v, v);
                    }
                    if (c.values[i].length > 0) {
                        tuples.putIfAbsent(Arrays.asList(c.values[i]), c.values[i]);
                    }
                }
            }
        }
    }

    /** Series in total (for tests and benchmarks). */
    synchronized long size() {
        long n = 0;
        for (Family f : families.values()) {
            for (Column c : f.columns.values()) {
                n += c.size;
            }
            n += f.latestColumn == null ? 0 : f.latestColumn.size;
        }
        return n;
    }

    /** An immutable snapshot of one family for a scrape: its columns in execution ID order, each sorted. */
    record FamilyView(Family family, List<Column> columns) {
    }

    /** A snapshot of every family, by name (sorted). */
    synchronized List<FamilyView> view() {
        return view(families.values());
    }

    private List<FamilyView> view(java.util.Collection<Family> of) {
        List<FamilyView> views = new ArrayList<>();
        for (Family f : of) {
            TreeMap<String, Column> byId = new TreeMap<>();
            f.columns.forEach((id, c) -> byId.put(id, c.sealed() ? c : seal(f, c)));
            if (f.latestColumn != null && f.latestColumn.size > 0) {
                byId.put(LATEST, seal(f, f.latestColumn));
            }
            byId.values().removeIf(c -> c.size == 0);
            views.add(new FamilyView(f, List.copyOf(byId.values())));
        }
        views.sort((a, b) -> a.family().name.compareTo(b.family().name));
        return views;
    }

    /** Names of the families, for the registry's collision checks and name filters. */
    synchronized java.util.Set<String> names() {
        return java.util.Set.copyOf(families.keySet());
    }

    /** The family's snapshot alone (the registry's fallback, when a scrape does not stream). */
    synchronized FamilyView view(Family f) {
        return families.get(f.name) == f ? view(List.of(f)).get(0) : new FamilyView(f, List.of());
    }

    @Override
    public synchronized String toString() {
        return "ResultSeries" + families.keySet();
    }
}
