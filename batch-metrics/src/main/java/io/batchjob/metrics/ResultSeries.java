package io.batchjob.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-node result series ({@code _processing}, {@code _duration} and the configured gauges)
 * in compact columns instead of one metric object per series: per family and execution a column
 * of rows — node, configured label values, value — where node names and label values are
 * {@code int} ids into one {@link LabelValues} dictionary (UTF-8 bytes, each distinct value once,
 * shared across executions). A scrape writes them straight from here ({@link Exposition}), sorted
 * as prometheus-metrics sorts data points. A series costs its ids and its sample (24 bytes with
 * three labels) plus, for a value no other series has, the value's bytes and 20 bytes.
 *
 * <p>Threading: every method is {@code synchronized}. Mutations come from the engine's events
 * thread (and a config reload); {@link #view()} runs on a scrape thread and returns an immutable
 * snapshot: columns of executions that are no longer the newest are sealed (sorted, immutable;
 * a late write replaces the column with a changed copy) and shared by reference, the open columns
 * (the newest execution and {@code latest}) are copied, so a scrape costs the newest execution's
 * rows, not the history's; with them it gets a view of the dictionary.
 */
final class ResultSeries {

    static final String LATEST = "latest";
    private static final int[] NO_IDS = new int[0];

    private final boolean latest;
    /** Families by name (the metric name); insertion order does not matter: views sort by name. */
    private final Map<String, Family> families = new LinkedHashMap<>();
    private LabelValues values = new LabelValues();

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

        /** The dictionary id of the label value at {@code position} of a row (not for the execution ID). */
        int id(Column c, int row, int position) {
            return position < c.width ? c.values[row * c.width + position] : c.nodes[row];
        }

        /** Whether {@code position} is the execution ID's (the column's, not the row's). */
        boolean isExecutionId(int position) {
            return position == labelNames.length - 1;
        }

        /** The label value at {@code position} of a row, as a String (for snapshots; scrapes write the bytes). */
        String value(LabelValues.View dict, Column c, int row, int position) {
            return isExecutionId(position) ? c.executionId : dict.string(id(c, row, position));
        }

        /** Row order of prometheus-metrics' data points: label values compared in sorted label-name order. */
        int compare(LabelValues.View dict, Column a, int ra, Column b, int rb) {
            for (int p : sortedPositions) {
                int c = isExecutionId(p) ? a.executionId.compareTo(b.executionId) : dict.compare(id(a, ra, p), id(b, rb, p));
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
        /** Configured labels per row. */
        final int width;
        int[] nodes;
        /** Row-major: the configured label values of row r are {@code values[r * width .. r * width + width)}. */
        int[] values;
        double[] samples;
        int size;
        /** Open addressing over rows (row + 1, 0 empty) by node and values; only while open. */
        int[] index;

        Column(String executionId, int width, int capacity) {
            this.executionId = executionId;
            this.width = width;
            this.nodes = new int[capacity];
            this.values = new int[capacity * width];
            this.samples = new double[capacity];
            this.index = new int[Integer.highestOneBit(Math.max(4, capacity * 2)) * 2];
        }

        boolean sealed() {
            return index == null;
        }

        Column copy(boolean open) {
            Column c = new Column(executionId, width, Math.max(size, 1));
            System.arraycopy(nodes, 0, c.nodes, 0, size);
            System.arraycopy(values, 0, c.values, 0, size * width);
            System.arraycopy(samples, 0, c.samples, 0, size);
            c.size = size;
            if (open) {
                c.reindex();
            } else {
                c.index = null;
            }
            return c;
        }

        private int hash(int node, int[] vals, int from) {
            int h = node;
            for (int i = 0; i < width; i++) {
                h = 31 * h + vals[from + i];
            }
            return h ^ (h >>> 16);
        }

        private boolean same(int row, int node, int[] vals, int from) {
            return nodes[row] == node && Arrays.equals(values, row * width, row * width + width, vals, from, from + width);
        }

        /** The row with this node and values, or -1. */
        int find(int node, int[] vals) {
            int mask = index.length - 1;
            for (int i = hash(node, vals, 0) & mask; index[i] != 0; i = (i + 1) & mask) {
                if (same(index[i] - 1, node, vals, 0)) {
                    return index[i] - 1;
                }
            }
            return -1;
        }

        void set(int node, int[] vals, double sample) {
            int row = find(node, vals);
            if (row >= 0) {
                samples[row] = sample;
                return;
            }
            if (size == nodes.length) {
                int capacity = Math.max(8, size + (size >> 1));
                nodes = Arrays.copyOf(nodes, capacity);
                values = Arrays.copyOf(values, capacity * width);
                samples = Arrays.copyOf(samples, capacity);
            }
            nodes[size] = node;
            System.arraycopy(vals, 0, values, size * width, width);
            samples[size] = sample;
            size++;
            if (2 * size > index.length) {
                reindex();
            } else {
                insert(size - 1);
            }
        }

        private void insert(int row) {
            int mask = index.length - 1;
            int i = hash(nodes[row], values, row * width) & mask;
            while (index[i] != 0) {
                i = (i + 1) & mask;
            }
            index[i] = row + 1;
        }

        private void reindex() {
            index = new int[Integer.highestOneBit(Math.max(4, size * 2)) * 2];
            for (int r = 0; r < size; r++) {
                insert(r);
            }
        }

        /** Removes the rows the predicate picks (keeping the others' order), then rebuilds the index. */
        int removeIf(java.util.function.IntPredicate row) {
            int kept = 0;
            for (int r = 0; r < size; r++) {
                if (!row.test(r)) {
                    nodes[kept] = nodes[r];
                    System.arraycopy(values, r * width, values, kept * width, width);
                    samples[kept] = samples[r];
                    kept++;
                }
            }
            int removed = size - kept;
            size = kept;
            if (removed > 0) {
                reindex();
            }
            return removed;
        }

        /** Sorts the rows as the exposition lists them (the execution ID is the same in every row). */
        void sort(Family f, LabelValues.View dict) {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> f.compare(dict, this, a, this, b));
            int[] n = new int[size];
            int[] v = new int[size * width];
            double[] s = new double[size];
            for (int i = 0; i < size; i++) {
                n[i] = nodes[order[i]];
                System.arraycopy(values, order[i] * width, v, i * width, width);
                s[i] = samples[order[i]];
            }
            nodes = n;
            values = v;
            samples = s;
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
        Column out = new Column(c.executionId, f.configured(), Math.max(c.size, 1));
        int empty = values.intern("");
        int[] vals = new int[from.length];
        for (int row = 0; row < c.size; row++) {
            for (int i = 0; i < from.length; i++) {
                vals[i] = from[i] < 0 ? empty : c.values[row * c.width + from[i]];
            }
            out.set(c.nodes[row], vals, c.samples[row]);
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

    private Column seal(Family f, Column c) {
        Column sealed = c.copy(false);
        sealed.sort(f, values.view());
        return sealed;
    }

    /** Sets a series (and its {@code latest} copy when configured). */
    synchronized void set(Family f, String executionId, String node, String[] configuredValues, double value) {
        if (families.get(f.name) != f) {
            return; // removed or redefined meanwhile
        }
        int n = values.intern(node);
        int[] vals = ids(configuredValues);
        open(f, executionId).set(n, vals, value);
        if (latest) {
            latestColumn(f).set(n, vals, value);
        }
    }

    private int[] ids(String[] configuredValues) {
        if (configuredValues.length == 0) {
            return NO_IDS;
        }
        int[] ids = new int[configuredValues.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = values.intern(configuredValues[i]);
        }
        return ids;
    }

    /**
     * Removes every series of the node in the family's column of the execution (a node's new
     * result replaces what its previous one set), and their {@code latest} copies.
     *
     * @return how many were removed
     */
    synchronized int removeNode(Family f, String executionId, String node) {
        Column c = f.columns.get(executionId);
        if (families.get(f.name) != f || c == null || c.size == 0) {
            return 0;
        }
        int n = values.intern(node);
        Column open = open(f, executionId);
        if (latest && f.latestColumn != null) {
            // The latest copies of exactly these series: found by node and values, removed in one pass.
            Column l = f.latestColumn;
            java.util.BitSet copies = new java.util.BitSet(l.size);
            int[] vals = new int[open.width];
            for (int r = 0; r < open.size; r++) {
                if (open.nodes[r] == n) {
                    System.arraycopy(open.values, r * open.width, vals, 0, open.width);
                    int row = l.find(n, vals);
                    if (row >= 0) {
                        copies.set(row);
                    }
                }
            }
            l.removeIf(copies::get);
        }
        return open.removeIf(r -> open.nodes[r] == n);
    }

    /** Drops every series of the execution (not their {@code latest} copies, as before). */
    synchronized void prune(String executionId) {
        boolean any = false;
        for (Family f : families.values()) {
            any |= f.columns.remove(executionId) != null;
        }
        if (any) {
            rebuildValues();
        }
    }

    private Column open(Family f, String executionId) {
        Column c = f.columns.get(executionId);
        if (c == null) {
            c = new Column(executionId, f.configured(), 16);
            f.columns.put(executionId, c);
        } else if (c.sealed()) {
            c = c.copy(true); // a late write to an older execution: copy on write, views keep the old one
            f.columns.put(executionId, c);
        }
        return c;
    }

    private Column latestColumn(Family f) {
        if (f.latestColumn == null) {
            f.latestColumn = new Column(LATEST, f.configured(), 16);
        }
        return f.latestColumn;
    }

    /**
     * A new dictionary with only the values kept rows use, and every column with the new ids
     * (new column objects: views keep the old ones with the old dictionary). Values of pruned
     * executions would otherwise pile up. Once per pruned execution: a pass over the kept rows.
     */
    private void rebuildValues() {
        LabelValues.View old = values.view();
        LabelValues fresh = new LabelValues();
        int[] map = new int[old.count()];
        Arrays.fill(map, -1);
        java.util.function.IntUnaryOperator move = id -> {
            if (map[id] < 0) {
                map[id] = fresh.intern(old.string(id));
            }
            return map[id];
        };
        for (Family f : families.values()) {
            f.columns.replaceAll((id, c) -> moved(c, move));
            if (f.latestColumn != null) {
                f.latestColumn = moved(f.latestColumn, move);
            }
        }
        values = fresh;
    }

    private static Column moved(Column c, java.util.function.IntUnaryOperator move) {
        Column out = c.copy(!c.sealed());
        for (int r = 0; r < out.size; r++) {
            out.nodes[r] = move.applyAsInt(out.nodes[r]);
        }
        for (int i = 0; i < out.size * out.width; i++) {
            out.values[i] = move.applyAsInt(out.values[i]);
        }
        if (!c.sealed()) {
            out.reindex(); // the ids changed: so did the hashes
        }
        return out; // sealed order is unchanged: the same values compare the same
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

    /** An immutable snapshot of one family for a scrape: its columns in execution ID order, each sorted, and their values. */
    record FamilyView(Family family, List<Column> columns, LabelValues.View values) {
    }

    /** A snapshot of every family, by name (sorted). */
    synchronized List<FamilyView> view() {
        return view(families.values());
    }

    private List<FamilyView> view(java.util.Collection<Family> of) {
        LabelValues.View dict = values.view();
        List<FamilyView> views = new ArrayList<>();
        for (Family f : of) {
            TreeMap<String, Column> byId = new TreeMap<>();
            f.columns.forEach((id, c) -> byId.put(id, c.sealed() ? c : seal(f, c)));
            if (f.latestColumn != null && f.latestColumn.size > 0) {
                byId.put(LATEST, seal(f, f.latestColumn));
            }
            byId.values().removeIf(c -> c.size == 0);
            views.add(new FamilyView(f, List.copyOf(byId.values()), dict));
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
        return families.get(f.name) == f ? view(List.of(f)).get(0) : new FamilyView(f, List.of(), values.view());
    }

    @Override
    public synchronized String toString() {
        return "ResultSeries" + families.keySet();
    }
}
