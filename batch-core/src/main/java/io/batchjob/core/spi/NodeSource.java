package io.batchjob.core.spi;

import java.util.List;

/**
 * Says which nodes an execution runs on. Called once per trigger, on the trigger's thread; it may
 * block for a remote call. The Kubernetes backend lists Ready, selected nodes; an embedder may
 * return anything that names a unit of work.
 */
@FunctionalInterface
public interface NodeSource {

    /**
     * @return the node names, each a valid file name (it becomes part of report file names);
     *         duplicates are ignored
     * @throws RuntimeException when the nodes cannot be listed: the trigger fails and is
     *         reported to listeners, nothing is dispatched
     */
    List<String> listNodes();
}
