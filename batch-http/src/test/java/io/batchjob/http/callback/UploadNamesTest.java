package io.batchjob.http.callback;

import io.batchjob.http.HttpProblem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UploadNamesTest {

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "attachment;filename=\"test.txt\" => test.txt",
            "attachment; filename=test.txt => test.txt",
            "attachment; filename=\"a;b.txt\" => a;b.txt",
            "attachment; filename=\"fallback.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.txt => résumé final.txt",
            "attachment;filename*=utf-8'en'%e2%82%ac.txt => €.txt",
            "attachment; filename*=UTF-8''a+b.txt => a+b.txt",
            "attachment; filename*=ISO-8859-1''caf%E9.txt => café.txt",
            "attachment; filename*=UTF-8''..%2F..%2Fx => ../../x"})
    void readsTheNameFromContentDisposition(String header, String expected) {
        var params = UploadNames.parameters(header);
        String name = params.containsKey("filename*") ? UploadNames.decodeExtended(params.get("filename*"))
                : io.undertow.util.Headers.extractQuotedValueFromHeader(header, "filename");
        assertThat(name).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "bogus''x => unknown charset 'bogus'",
            "UTF-8''x%ZZ => invalid percent-encoding",
            "no-quotes => must look like filename*=UTF-8''name.txt"})
    void refusesMalformedExtendedNames(String value, String message) {
        assertThatThrownBy(() -> UploadNames.decodeExtended(value)).isInstanceOf(HttpProblem.class).hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource({"text/plain, .txt", "'text/plain; charset=utf-8', .txt", "APPLICATION/JSON, .json", "application/x-nope, ''", "'', ''"})
    void derivesExtensionsFromContentTypes(String type, String ext) {
        assertThat(UploadNames.extension(type)).isEqualTo(ext);
    }
}
