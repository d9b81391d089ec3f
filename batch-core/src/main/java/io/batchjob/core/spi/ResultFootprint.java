package io.batchjob.core.spi;

/**
 * What the result listeners (the result metrics) hold in memory, so that the engine can refuse a
 * result that would take them beyond {@code maxSeriesInMemory} before it is stored, and the
 * start-up replay can stop short of it. Called from callback threads and the start-up thread:
 * implementations are thread-safe and cheap.
 */
public interface ResultFootprint {

    /** Holds nothing: no result is ever refused for memory. */
    ResultFootprint NONE = new ResultFootprint() {
        @Override
        public long heldSeries() {
            return 0;
        }

        @Override
        public long heldSeriesOf(String executionId, String node) {
            return 0;
        }
    };

    /** Series held now, in all. */
    long heldSeries();

    /** Series the job's current result holds (its next result replaces them). */
    long heldSeriesOf(String executionId, String node);

    /** Series a result of {@code values} values will add (more than one each when copies are kept, e.g. {@code latest}). */
    default long seriesFor(long values) {
        return values;
    }
}
