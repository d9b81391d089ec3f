package io.batchjob.bench;

import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.k8s.JobLabels;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The memory benchmark's kubelet. Answers each pod of the first {@code executions} executions like a job: POST the result with the pod's own
 * credentials, then mark the pod Succeeded. Executions run one after another, so the first pod
 * of the next execution means they have finished.
 */
final class JobAnsweringKubelet implements ResourceEventHandler<Pod> {
    private final KubernetesClient client;
    private final HttpClient http;
    private final String namespace;
    private final int executions;
    private final int gauges;
    private final List<String> ids = new ArrayList<>();
    final CountDownLatch done = new CountDownLatch(1);
    final AtomicLong posted = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final ExecutorService workers = Executors.newFixedThreadPool(16);
    private int hookAfter = -1;
    private Runnable hook;

    JobAnsweringKubelet(KubernetesClient client, HttpClient http, String namespace, int executions, int gauges) {
        this.client = client;
        this.http = http;
        this.namespace = namespace;
        this.executions = executions;
        this.gauges = gauges;
    }

    synchronized List<String> executionIds() {
        return List.copyOf(ids);
    }

    /** Runs {@code r} (on the informer's thread) when the first pod after {@code executions} finished executions appears. */
    synchronized void afterExecutions(int executions, Runnable r) {
        hookAfter = executions;
        hook = r;
    }

    synchronized int finishedExecutions() {
        return Math.max(0, ids.size() - 1);
    }

    @Override
    public void onAdd(Pod pod) {
        String id = pod.getMetadata().getLabels().get(JobLabels.EXECUTION_ID);
        synchronized (this) {
            if (!ids.contains(id)) {
                ids.add(id);
                if (ids.size() == hookAfter + 1 && hook != null) {
                    hook.run();
                }
            }
            if (ids.indexOf(id) >= executions) {
                done.countDown();
                return;
            }
        }
        workers.execute(() -> {
            try {
                answer(pod);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    private void answer(Pod pod) throws Exception {
        Map<String, String> env = new HashMap<>();
        for (EnvVar v : pod.getSpec().getContainers().get(0).getEnv()) {
            env.put(v.getName(), v.getValue());
        }
        // The URL as the job gets it (the job's secret in its path), as curl in a job script would use it.
        URI url = URI.create(env.get(JobEnvironment.CALLBACK_SERVICE_RESULT_URL));
        int node = Integer.parseInt(env.get(JobEnvironment.NODE_NAME).substring("node-".length()));
        StringBuilder body = new StringBuilder("{");
        for (int g = 0; g < gauges; g++) {
            body.append(g == 0 ? "" : ",").append("\"g").append(g).append("\":[{\"value\":").append(node + g)
                    .append(",\"labels\":{\"check\":\"c").append(g).append("\",\"severity\":\"high\",\"zone\":\"z").append(node % 3)
                    .append("\"}}]");
        }
        body.append('}');
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("result for " + pod.getMetadata().getName() + ": " + r.statusCode() + " " + r.body());
        }
        posted.incrementAndGet();
        PodStatus s = new PodStatus();
        s.setPhase("Succeeded");
        pod.setStatus(s);
        try {
            // The informer's copy: the controller does not change its pods after creating them.
            client.pods().inNamespace(namespace).resource(pod).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            Pod current = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
            current.setStatus(s);
            client.pods().inNamespace(namespace).resource(current).updateStatus();
        }
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
    }
}
