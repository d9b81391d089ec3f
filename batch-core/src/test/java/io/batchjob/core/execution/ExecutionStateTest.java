package io.batchjob.core.execution;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An execution's state only moves forward, and only a running one launches, retries or times out jobs. */
class ExecutionStateTest {

    @Test
    void aStoppedExecutionStaysStoppedWhenItsLastJobEnds() {
        assertThat(ExecutionState.RUNNING.finishing()).isEqualTo(ExecutionState.FINISHING);
        assertThat(ExecutionState.FINISHING.finishing()).isEqualTo(ExecutionState.FINISHING);
        assertThat(ExecutionState.STOPPED.finishing()).isEqualTo(ExecutionState.STOPPED);
    }

    @Test
    void onlyARunningExecutionRuns() {
        assertThat(ExecutionState.RUNNING.isRunning()).isTrue();
        assertThat(ExecutionState.FINISHING.isRunning()).isFalse();
        assertThat(ExecutionState.STOPPED.isRunning()).isFalse();
    }
}
