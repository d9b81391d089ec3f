package io.batchjob.core.execution;

import io.batchjob.core.config.CustomSettings;
import io.batchjob.core.spi.NodeSource;

import java.util.List;

/**
 * A fixed list of nodes, for embedders whose "nodes" are hosts, tenants or anything else known up
 * front, e.g. read from the {@code custom} section of the config.
 */
public final class StaticNodeSource implements NodeSource {

    private final List<String> nodes;

    public StaticNodeSource(List<String> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** The nodes listed under a key of the {@code custom} section, e.g. {@code custom.nodes: [a, b]}. */
    public static StaticNodeSource fromCustom(CustomSettings custom, String key) {
        return new StaticNodeSource(custom.stringList(key));
    }

    @Override
    public List<String> listNodes() {
        return nodes;
    }
}
