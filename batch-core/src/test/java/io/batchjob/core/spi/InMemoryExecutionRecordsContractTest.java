package io.batchjob.core.spi;

import io.batchjob.core.testing.InMemoryExecutionRecords;

/** The in-memory reference passes the records contract. */
class InMemoryExecutionRecordsContractTest extends ExecutionRecordsContractTest {
    @Override
    protected ExecutionRecords newRecords() {
        return new InMemoryExecutionRecords();
    }
}
