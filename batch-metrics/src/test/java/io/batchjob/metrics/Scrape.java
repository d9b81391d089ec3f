package io.batchjob.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Scrapes /metrics over HTTP and parses the Prometheus text format into samples. */
final class Scrape {

    record Sample(String name, Map<String, String> labels, double value) {
        @Override
        public String toString() {
            return name + labels + " " + value;
        }
    }

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    static List<Sample> scrape(int port) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("scrape answered " + r.statusCode());
        }
        return parse(r.body());
    }

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int end = line.lastIndexOf('}');
                parseLabels(line.substring(brace + 1, end), labels);
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return samples;
    }

    private static void parseLabels(String s, Map<String, String> labels) {
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            String key = s.substring(i, eq);
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // skip ="
            while (s.charAt(j) != '"') {
                char c = s.charAt(j);
                if (c == '\\') {
                    char n = s.charAt(++j);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
                j++;
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
        }
    }

    /** Samples whose name starts with the prefix, as "name{k=v,...} value" strings (label names sorted; their order has no meaning). */
    static List<String> lines(List<Sample> samples, String prefix) {
        return samples.stream().filter(s -> s.name().startsWith(prefix))
                .map(s -> s.name() + s.labels().entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(",", "{", "}")) + " " + s.value())
                .sorted().toList();
    }

    private Scrape() {
    }
}
