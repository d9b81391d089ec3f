package io.batchjob.examples.config;

import io.batchjob.core.config.CustomConfigException;
import io.batchjob.core.config.CustomSettings;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An embedder's own typed settings, read from the {@code custom} section of {@code config.yaml}:
 *
 * <pre>
 * custom:
 *   target:
 *     url: https://scanner.example/api      # required
 *     timeout: 30s                          # optional, default 10s
 *   retries: 3                              # optional, default 1, 0..10
 *   profiles: [cis, pci]                    # required, at least one
 *   thresholds: {critical: 0, high: 2.5}    # optional map of name to number
 *   notify: {enabled: true, channels: [ops]}
 * </pre>
 *
 * Every mistake fails with a message naming the full key, e.g.
 * {@code custom.retries: expected an integer but found string "three"}.
 */
public record ScanSettings(String targetUrl, Duration timeout, int retries, List<String> profiles, Map<String, Double> thresholds,
                           boolean notifyEnabled, List<String> channels) {

    public static ScanSettings from(CustomSettings custom) {
        CustomSettings target = custom.section("target");
        String url = target.string("url");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new CustomConfigException("custom.target.url: '" + url + "' is not an http(s) URL");
        }
        int retries = custom.optionalInteger("retries").orElse(1);
        if (retries < 0 || retries > 10) {
            throw new CustomConfigException("custom.retries: " + retries + " is out of range: use 0 to 10");
        }
        List<String> profiles = custom.stringList("profiles");
        if (profiles.isEmpty()) {
            throw new CustomConfigException("custom.profiles: list at least one profile");
        }
        Map<String, Double> thresholds = new LinkedHashMap<>();
        custom.optionalSection("thresholds").ifPresent(t -> t.asMap().keySet().forEach(k -> thresholds.put(k, t.decimal(k))));
        CustomSettings notify = custom.optionalSection("notify").orElse(CustomSettings.empty());
        return new ScanSettings(url, target.optionalDuration("timeout").orElse(Duration.ofSeconds(10)), retries, profiles,
                Map.copyOf(thresholds), notify.optionalBool("enabled").orElse(false),
                notify.optionalStringList("channels").orElse(List.of()));
    }
}
