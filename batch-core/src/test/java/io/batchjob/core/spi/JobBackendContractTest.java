package io.batchjob.core.spi;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link JobBackend} must do for the engine. Extend it in the backend's module
 * (it ships in the {@code batch-core} test-jar) and implement the two hooks; the tests then run
 * against the real backend.
 */
public abstract class JobBackendContractTest {

    /** The backend under test; a fresh one per test, with no jobs. */
    protected abstract JobBackend backend();

    /** Makes a launched job end the way a real run would (e.g. the kubelet marks the pod Succeeded). */
    protected abstract void endJob(String executionId, String node, JobOutcome status);

    /** Ends one attempt of a node's job; backends that keep one job per node need not override it. */
    protected void endJob(String executionId, String node, int attempt, JobOutcome status) {
        endJob(executionId, node, status);
    }

    /** How long to wait for asynchronous effects (watches, informers). */
    protected Duration patience() {
        return Duration.ofSeconds(10);
    }

    /** Node names the backend can run jobs on; override when it only knows certain nodes. */
    protected List<String> nodes() {
        return List.of("node-a", "node-b", "node-c");
    }

    protected JobRequest request(String executionId, String node) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NODE_NAME", node);
        env.put("EXECUTION_ID", executionId);
        return new JobRequest(executionId, node, "secret-" + executionId + "-" + node, env, Duration.ofMinutes(5));
    }

    @Test
    void reportsASuccessfulEndOnce() throws Exception {
        Recorder ends = new Recorder();
        backend().launch(request("100", nodes().get(0)), ends);

        endJob("100", nodes().get(0), JobOutcome.SUCCEEDED);

        await().atMost(patience()).until(() -> !ends.ends.isEmpty());
        assertThat(ends.ends.get(0).outcome()).isEqualTo(JobOutcome.SUCCEEDED);
        assertThat(ends.ends).hasSize(1);
    }

    @Test
    void reportsAFailedEnd() throws Exception {
        Recorder ends = new Recorder();
        backend().launch(request("100", nodes().get(0)), ends);

        endJob("100", nodes().get(0), JobOutcome.FAILED);

        await().atMost(patience()).until(() -> !ends.ends.isEmpty());
        assertThat(ends.ends.get(0).outcome()).isEqualTo(JobOutcome.FAILED);
    }

    @Test
    void neverCreatesTheSameJobTwice() throws Exception {
        backend().launch(request("100", nodes().get(0)), new Recorder());

        assertThatThrownBy(() -> backend().launch(request("100", nodes().get(0)), new Recorder()))
                .isInstanceOf(JobLaunchException.class);
        assertThat(backend().existingJobs()).filteredOn(j -> j.node().equals(nodes().get(0))).hasSize(1);
    }

    @Test
    void listsItsJobsWithTheirExecutionNodeAndRecoverableSecret() throws Exception {
        backend().launch(request("100", nodes().get(0)), new Recorder());
        backend().launch(request("100", nodes().get(1)), new Recorder());

        await().atMost(patience()).untilAsserted(() -> assertThat(backend().existingJobs())
                .extracting(ExistingJob::executionId, ExistingJob::node, ExistingJob::callbackSecret)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("100", nodes().get(0), "secret-100-" + nodes().get(0)),
                        org.assertj.core.groups.Tuple.tuple("100", nodes().get(1), "secret-100-" + nodes().get(1))));
    }

    @Test
    void stopRemovesAJobAndIgnoresUnknownOnes() throws Exception {
        backend().launch(request("100", nodes().get(0)), new Recorder());

        backend().stop("100", nodes().get(0));
        backend().stop("100", "no-such-node");

        await().atMost(patience()).untilAsserted(() -> assertThat(backend().existingJobs()).isEmpty());
    }

    @Test
    void deleteJobsExceptKeepsOnlyTheGivenExecution() throws Exception {
        backend().launch(request("100", nodes().get(0)), new Recorder());
        backend().launch(request("100", nodes().get(1)), new Recorder());
        backend().launch(request("200", nodes().get(2)), new Recorder());

        backend().deleteJobsExcept("200");

        await().atMost(patience()).untilAsserted(() -> assertThat(backend().existingJobs())
                .extracting(ExistingJob::executionId, ExistingJob::node)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("200", nodes().get(2))));
    }

    @Test
    void adoptedJobReportsItsLaterEnd() throws Exception {
        backend().launch(request("100", nodes().get(0)), new Recorder());
        ExistingJob existing = backend().existingJobs().stream().filter(j -> j.node().equals(nodes().get(0))).findFirst().orElseThrow();

        Recorder adopter = new Recorder();
        backend().adopt(existing, adopter);
        endJob("100", nodes().get(0), JobOutcome.SUCCEEDED);

        await().atMost(patience()).until(() -> !adopter.ends.isEmpty());
        assertThat(adopter.ends.get(0).outcome()).isEqualTo(JobOutcome.SUCCEEDED);
    }

    @Test
    void adoptedJobThatAlreadyEndedIsReportedAtOnce() throws Exception {
        Recorder first = new Recorder();
        backend().launch(request("100", nodes().get(0)), first);
        endJob("100", nodes().get(0), JobOutcome.FAILED);
        await().atMost(patience()).until(() -> !first.ends.isEmpty());
        ExistingJob existing = backend().existingJobs().stream().filter(j -> j.node().equals(nodes().get(0))).findFirst().orElseThrow();

        Recorder adopter = new Recorder();
        backend().adopt(existing, adopter);

        await().atMost(patience()).until(() -> !adopter.ends.isEmpty());
        assertThat(adopter.ends.get(0).outcome()).isEqualTo(JobOutcome.FAILED);
    }

    @Test
    void aLaterAttemptOfANodeStartsOnceTheEarlierEndedAndIsListedWithItsOwnSecret() throws Exception {
        String node = nodes().get(0);
        Recorder first = new Recorder();
        backend().launch(request("100", node), first);
        JobRequest second = attempt(request("100", node), 2);
        assertThatThrownBy(() -> backend().launch(second, new Recorder())).as("not beside a running attempt")
                .isInstanceOf(JobLaunchException.class);
        endJob("100", node, 1, JobOutcome.FAILED);
        await().atMost(patience()).until(() -> !first.ends.isEmpty());

        Recorder later = new Recorder();
        backend().launch(second, later);
        assertThatThrownBy(() -> backend().launch(second, new Recorder())).as("the same attempt twice").isInstanceOf(JobLaunchException.class);

        await().atMost(patience()).untilAsserted(() -> assertThat(backend().existingJobs()).filteredOn(j -> j.node().equals(node))
                .extracting(ExistingJob::attempt, ExistingJob::callbackSecret).contains(org.assertj.core.groups.Tuple.tuple(2, second.callbackSecret())));
        endJob("100", node, 2, JobOutcome.SUCCEEDED);
        await().atMost(patience()).until(() -> !later.ends.isEmpty());
        assertThat(later.ends).extracting(JobEnd::outcome).containsExactly(JobOutcome.SUCCEEDED);
        assertThat(first.ends).as("the earlier attempt's listener hears only its own end").hasSize(1);
    }

    @Test
    void listsHowItsJobsEndedAndNoEndForOnesStillRunning() throws Exception {
        Recorder a = new Recorder();
        backend().launch(request("100", nodes().get(0)), a);
        backend().launch(request("100", nodes().get(1)), new Recorder());
        Recorder c = new Recorder();
        backend().launch(request("100", nodes().get(2)), c);
        endJob("100", nodes().get(0), JobOutcome.SUCCEEDED);
        endJob("100", nodes().get(2), JobOutcome.FAILED);
        await().atMost(patience()).until(() -> !a.ends.isEmpty() && !c.ends.isEmpty());

        await().atMost(patience()).untilAsserted(() -> assertThat(backend().existingJobs())
                .extracting(ExistingJob::node, j -> j.end() == null ? null : j.end().outcome())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(nodes().get(0), JobOutcome.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(nodes().get(1), null),
                        org.assertj.core.groups.Tuple.tuple(nodes().get(2), JobOutcome.FAILED)));
    }

    @Test
    void stoppingAnEarlierAttemptLeavesTheLaterOneRunning() throws Exception {
        String node = nodes().get(0);
        Recorder first = new Recorder();
        backend().launch(request("100", node), first);
        endJob("100", node, 1, JobOutcome.FAILED);
        await().atMost(patience()).until(() -> !first.ends.isEmpty());
        Recorder later = new Recorder();
        backend().launch(attempt(request("100", node), 2), later);

        backend().stop("100", node, 1);

        ExistingJob listed = await().atMost(patience()).until(() -> backend().existingJobs().stream()
                .filter(j -> j.node().equals(node) && j.attempt() == 2).findFirst(), java.util.Optional::isPresent).orElseThrow();
        Recorder adopter = new Recorder();
        backend().adopt(listed, adopter);
        endJob("100", node, 2, JobOutcome.SUCCEEDED);
        await().atMost(patience()).until(() -> !adopter.ends.isEmpty());
        assertThat(adopter.ends).extracting(JobEnd::outcome).as("attempt 2 ran on and ended by itself").containsExactly(JobOutcome.SUCCEEDED);
    }

    /** The same request as another attempt, with a secret of its own. */
    protected static JobRequest attempt(JobRequest r, int attempt) {
        return new JobRequest(r.executionId(), r.node(), r.callbackSecret() + "-" + attempt, r.environment(), r.timeout(), attempt);
    }

    /** Collects ends; thread-safe. */
    protected static final class Recorder implements JobEndListener {
        public final List<JobEnd> ends = new CopyOnWriteArrayList<>();

        @Override
        public void jobEnded(JobEnd end) {
            ends.add(end);
        }
    }
}
