package io.batchjob.k8s;

import io.batchjob.core.execution.JobEnvironment;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What a job pod says about its job: why it will not start, why it failed, its attempt and its secret. Pure functions. */
final class JobPodStatus {

    /** Waiting reasons after which a container will not start by itself. */
    static final Set<String> STUCK_REASONS = Set.of("ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError",
            "InvalidImageName", "CreateContainerError");

    private JobPodStatus() {
    }

    /** Why a pod that is still Pending will not start, if it will not. */
    static Optional<String> stuckReason(Pod pod) {
        if (pod.getStatus() == null || !"Pending".equals(Optional.ofNullable(pod.getStatus().getPhase()).orElse("Pending"))) {
            return Optional.empty();
        }
        for (PodCondition c : Optional.ofNullable(pod.getStatus().getConditions()).orElse(List.of())) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                return Optional.of("Unschedulable" + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            }
        }
        List<ContainerStatus> statuses = new ArrayList<>(Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).orElse(List.of()));
        statuses.addAll(Optional.ofNullable(pod.getStatus().getContainerStatuses()).orElse(List.of()));
        for (ContainerStatus s : statuses) {
            if (s.getState() != null && s.getState().getWaiting() != null && STUCK_REASONS.contains(s.getState().getWaiting().getReason())) {
                String message = s.getState().getWaiting().getMessage();
                return Optional.of(s.getState().getWaiting().getReason() + " in container " + s.getName() + (message == null ? "" : ": " + message));
            }
        }
        return Optional.empty();
    }

    static String failureReason(Pod pod) {
        List<ContainerStatus> statuses = new ArrayList<>(Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).orElse(List.of()));
        statuses.addAll(Optional.ofNullable(pod.getStatus().getContainerStatuses()).orElse(List.of()));
        for (ContainerStatus s : statuses) {
            var terminated = s.getState() == null ? null : s.getState().getTerminated();
            if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
                return "container " + s.getName() + " exited with code " + terminated.getExitCode()
                        + (terminated.getReason() == null ? "" : " (" + terminated.getReason() + ")");
            }
        }
        String reason = pod.getStatus().getReason();
        String message = pod.getStatus().getMessage();
        if (reason != null || message != null) {
            return "the job pod failed: " + Optional.ofNullable(reason).orElse("") + (message == null ? "" : " " + message);
        }
        return "the job pod failed";
    }

    /** The attempt a pod runs: its annotation, 1 without one (or an unreadable one: the Go controller's pods). */
    static int attemptOf(Pod pod) {
        String annotated = Optional.ofNullable(pod.getMetadata().getAnnotations()).map(a -> a.get(JobLabels.ATTEMPT)).orElse(null);
        try {
            return annotated == null ? 1 : Math.max(1, Integer.parseInt(annotated.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The job's secret, recovered from the pod (survives controller restarts). */
    static String secretOf(Pod pod) {
        String annotated = Optional.ofNullable(pod.getMetadata().getAnnotations()).map(a -> a.get(JobLabels.CALLBACK_SECRET)).orElse(null);
        if (annotated != null) {
            return annotated;
        }
        for (Container c : JobPodFactory.allContainers(pod.getSpec())) {
            for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
                if (JobEnvironment.CALLBACK_TOKEN.equals(e.getName())) {
                    return e.getValue();
                }
            }
        }
        return null;
    }
}
