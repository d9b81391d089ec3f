{{/* The alert rules, as a Prometheus rule file's `groups` (the PrometheusRule's spec, and
     deploy/monitoring/alert-rules.yaml rendered with the defaults). Tested by AlertRulesTest with
     `promtool test rules` on series shaped like the controller's. */}}
{{- define "bjc.alertGroups" -}}
{{- $r := .Values.prometheusRule -}}
{{- $job := default (include "bjc.name" .) $r.job -}}
{{- $sel := printf "job=%q" $job -}}
{{- $c := include "bjc.config" . | fromYaml -}}
{{- $extra := $r.alertLabels -}}
groups:
  - name: batch-job-controller
    rules:
      - alert: BatchJobExecutionProblems
        # A node with a problem streak had one in the last finished execution; resolves when the next one is clean.
        expr: count by (namespace, job) (batch_job_controller_node_consecutive_problems{{ "{" }}{{ $sel }}{{ "}" }} > 0) > 0
        labels:
          severity: warning
          {{- with $extra }}{{ toYaml . | nindent 10 }}{{ end }}
        annotations:
          summary: The last execution of {{ $job }} ended with problems
          description: >-
            {{`{{ $value }}`}} node(s) did not succeed in the last finished execution (failed, no report,
            timed out or replaced); see the dashboard or {{ $c.metrics.prefix }}_processing == 1.
      - alert: BatchJobNodeFailing
        expr: batch_job_controller_node_consecutive_problems{{ "{" }}{{ $sel }}{{ "}" }} >= {{ $r.nodeProblemsInARow }}
        labels:
          severity: warning
          {{- with $extra }}{{ toYaml . | nindent 10 }}{{ end }}
        annotations:
          summary: Node {{`{{ $labels.node }}`}} has not succeeded for {{`{{ $value }}`}} executions in a row
          description: >-
            The job on node {{`{{ $labels.node }}`}} did not succeed in the last {{`{{ $value }}`}} executions of
            {{ $job }} (alerting from {{ $r.nodeProblemsInARow }}).
      - alert: BatchJobNoExecutionFinished
        # Seconds past the allowed time; the start of the process counts as an end until the first one.
        # min: a standby replica (leader election) sees no ends of its own.
        expr: >-
          min by (namespace, job) (
            time()
            - (batch_job_controller_last_execution_end_timestamp_seconds{{ "{" }}{{ $sel }}{{ "}" }} or process_start_time_seconds{{ "{" }}{{ $sel }}{{ "}" }})
            - {{ $r.noExecutionIntervals }} * batch_job_controller_schedule_longest_interval_seconds{{ "{" }}{{ $sel }}{{ "}" }}
          ) > 0
        for: 5m
        labels:
          severity: critical
          {{- with $extra }}{{ toYaml . | nindent 10 }}{{ end }}
        annotations:
          summary: No execution of {{ $job }} finished within {{ $r.noExecutionIntervals }} schedule intervals
          description: >-
            The last execution ended (or the controller started) more than {{ $r.noExecutionIntervals }} times the
            schedule's longest interval ago ({{`{{ $value | humanizeDuration }}`}} overdue): triggers fail, are
            skipped, or an execution does not end. Suspended controllers do not alert.
      - alert: BatchJobJobsStuck
        expr: >-
          batch_job_controller_jobs_in_flight{{ "{" }}{{ $sel }}{{ "}" }} > 0
          and on (namespace, job, instance)
          sum by (namespace, job, instance) (increase(batch_job_controller_jobs_total{{ "{" }}{{ $sel }}{{ "}" }}[{{ $r.jobsStuckFor }}])) == 0
        for: 5m
        labels:
          severity: warning
          {{- with $extra }}{{ toYaml . | nindent 10 }}{{ end }}
        annotations:
          summary: Jobs of {{ $job }} are stuck
          description: >-
            {{`{{ $value }}`}} job(s) in flight and none ended for {{ $r.jobsStuckFor }}; look for pods that do not
            start or never exit (config.jobTimeout ends them).
      - alert: BatchJobCallbacksFailing
        expr: >-
          sum by (namespace, job) (rate(batch_job_controller_callback_requests_total{{ "{" }}{{ $sel }},status=~"5.."{{ "}" }}[10m]))
          / sum by (namespace, job) (rate(batch_job_controller_callback_requests_total{{ "{" }}{{ $sel }}{{ "}" }}[10m]))
          > {{ $r.callbackErrorRatio }}
        for: 10m
        labels:
          severity: warning
          {{- with $extra }}{{ toYaml . | nindent 10 }}{{ end }}
        annotations:
          summary: Callbacks to {{ $job }} fail
          description: >-
            {{`{{ $value | humanizePercentage }}`}} of the callback requests of jobs were answered with 5xx over
            10 minutes (storage or API failures, or overload: see the controller's log).
      - alert: BatchJobControllerDown
        # Down: every target of the job is down; absent: Prometheus has no target of it at all.
        expr: sum by (namespace, job) (up{{ "{" }}{{ $sel }}{{ "}" }}) == 0 or absent(up{{ "{" }}{{ $sel }}{{ "}" }})
        for: 5m
        labels:
          severity: critical
          {{- with $extra }}{{ toYaml . | nindent 10 }}{{ end }}
        annotations:
          summary: The batch job controller {{ $job }} is down or not scraped
          description: >-
            No scrape target of job {{ $job }} has been up for 5 minutes: the controller is down, or Prometheus
            no longer finds it.
{{- end -}}
